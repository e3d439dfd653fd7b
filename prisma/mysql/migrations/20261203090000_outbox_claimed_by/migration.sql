-- AlterTable
ALTER TABLE `Outbox` ADD COLUMN `claimedBy` LONGTEXT NULL;
