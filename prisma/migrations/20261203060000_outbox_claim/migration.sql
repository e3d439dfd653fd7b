-- AlterTable
ALTER TABLE "Outbox" ADD COLUMN "claimedUntil" DATETIME;
