-- AlterTable
ALTER TABLE "PreprocessJob" ADD COLUMN     "idempotencyFingerprint" TEXT,
ADD COLUMN     "idempotencyKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "PreprocessJob_idempotencyKey_key" ON "PreprocessJob"("idempotencyKey");
