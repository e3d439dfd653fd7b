-- AlterTable
ALTER TABLE "QueueMessage" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "availableAt" TIMESTAMP(3),
ADD COLUMN     "lastError" TEXT;
