-- AlterTable
ALTER TABLE `Outbox` ADD COLUMN `claimedUntil` DATETIME(3) NULL;
