-- AlterTable
ALTER TABLE `PreprocessJob` ADD COLUMN `failureReason` LONGTEXT NULL;
