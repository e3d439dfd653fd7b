-- AlterTable
ALTER TABLE `QueueMessage` ADD COLUMN `attempts` INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN `availableAt` DATETIME(3) NULL,
    ADD COLUMN `lastError` LONGTEXT NULL;
