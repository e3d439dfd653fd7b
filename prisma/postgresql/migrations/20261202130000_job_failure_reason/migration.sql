-- AlterTable
ALTER TABLE "PreprocessJob" ADD COLUMN     "failureReason" TEXT;
