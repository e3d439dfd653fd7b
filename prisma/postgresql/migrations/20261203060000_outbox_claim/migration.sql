-- AlterTable
ALTER TABLE "Outbox" ADD COLUMN     "claimedUntil" TIMESTAMP(3);
