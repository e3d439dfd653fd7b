-- CreateTable
CREATE TABLE `PreprocessJob` (
    `id` VARCHAR(191) NOT NULL,
    `status` VARCHAR(191) NOT NULL DEFAULT 'pending',
    `text` LONGTEXT NOT NULL,
    `traceContext` JSON NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Outbox` (
    `id` VARCHAR(191) NOT NULL,
    `aggregateType` LONGTEXT NOT NULL,
    `aggregateId` LONGTEXT NOT NULL,
    `eventType` LONGTEXT NOT NULL,
    `payload` JSON NOT NULL,
    `traceContext` JSON NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `publishedAt` DATETIME(3) NULL,

    INDEX `Outbox_publishedAt_createdAt_idx`(`publishedAt`, `createdAt`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Sentence` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `jobId` VARCHAR(191) NOT NULL,
    `index` INTEGER NOT NULL,
    `text` LONGTEXT NOT NULL,

    UNIQUE INDEX `Sentence_jobId_index_key`(`jobId`, `index`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `QueueMessage` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `queue` VARCHAR(191) NOT NULL,
    `body` LONGTEXT NOT NULL,
    `headers` JSON NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `consumedAt` DATETIME(3) NULL,

    INDEX `QueueMessage_queue_consumedAt_id_idx`(`queue`, `consumedAt`, `id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `Sentence` ADD CONSTRAINT `Sentence_jobId_fkey` FOREIGN KEY (`jobId`) REFERENCES `PreprocessJob`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
