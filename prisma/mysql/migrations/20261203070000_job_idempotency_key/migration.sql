-- AlterTable
-- The key is compared as sent (utf8mb4_bin): the table's utf8mb4_unicode_ci would take keys differing in
-- case only for one.
ALTER TABLE `PreprocessJob` ADD COLUMN `idempotencyFingerprint` LONGTEXT NULL,
    ADD COLUMN `idempotencyKey` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;

-- CreateIndex
CREATE UNIQUE INDEX `PreprocessJob_idempotencyKey_key` ON `PreprocessJob`(`idempotencyKey`);
