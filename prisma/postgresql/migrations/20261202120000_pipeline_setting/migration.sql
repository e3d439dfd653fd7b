-- CreateTable
CREATE TABLE "PipelineSetting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "PipelineSetting_pkey" PRIMARY KEY ("key")
);
