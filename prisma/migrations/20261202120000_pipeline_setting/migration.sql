-- CreateTable
CREATE TABLE "PipelineSetting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL
);
