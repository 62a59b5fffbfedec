data "aws_iam_policy_document" "ecs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.stack}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  statement {
    actions   = ["ssm:GetParameters"]
    resources = values(local.parameter_arns)
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets.json
}

resource "aws_iam_role" "task" {
  for_each           = local.services
  name               = "${var.stack}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

# Least privilege, per service.
data "aws_iam_policy_document" "sessions" {
  statement {
    sid = "ChunksAndObjects"
    actions = [
      "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = ["${aws_s3_bucket.data.arn}/${local.chunk_prefix}*", "${aws_s3_bucket.data.arn}/${local.object_prefix}*"]
  }
  statement {
    sid       = "ListForSweeper"
    actions   = ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [aws_s3_bucket.data.arn]
  }
  statement {
    sid       = "ChunkEvents"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.chunk_events.arn]
  }
  statement {
    sid = "SessionsAndFiles"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
      "dynamodb:Query", "dynamodb:ConditionCheckItem", "dynamodb:BatchGetItem",
    ]
    resources = [
      aws_dynamodb_table.tables["uploads"].arn, "${aws_dynamodb_table.tables["uploads"].arn}/index/*",
      aws_dynamodb_table.tables["files"].arn, "${aws_dynamodb_table.tables["files"].arn}/index/*",
    ]
  }
}

data "aws_iam_policy_document" "uploads" {
  # Only writes chunk objects (S3 verifies each one's SHA-256); reads and deletes none.
  statement {
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.data.arn}/${local.chunk_prefix}*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data.arn]
  }
}

data "aws_iam_policy_document" "gateway" {
  statement {
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
      "dynamodb:Query", "dynamodb:ConditionCheckItem",
    ]
    resources = [aws_dynamodb_table.tables["users"].arn, "${aws_dynamodb_table.tables["users"].arn}/index/*"]
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = local.services
  role     = aws_iam_role.task[each.key].id
  policy = {
    sessions = data.aws_iam_policy_document.sessions.json
    uploads  = data.aws_iam_policy_document.uploads.json
    gateway  = data.aws_iam_policy_document.gateway.json
  }[each.key]
}
