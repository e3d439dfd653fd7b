-- AlterTable
ALTER TABLE "QueueMessage" ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "QueueMessage" ADD COLUMN "availableAt" DATETIME;
ALTER TABLE "QueueMessage" ADD COLUMN "lastError" TEXT;
