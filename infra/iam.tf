data "aws_iam_policy_document" "ecs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# --- Execution roles (used by ECS to pull the image, ship logs and fetch secrets), one per service
# so a task definition can only ever be given its own secrets. ---
resource "aws_iam_role" "execution" {
  # A static key set: local.ecs_services refers to the task definitions, which refer to these roles.
  for_each           = local.task_groups
  name               = "${var.stack}-${each.key}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  for_each   = aws_iam_role.execution
  role       = each.value.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  for_each = local.services
  statement {
    actions   = ["ssm:GetParameters"]
    resources = [for name in concat(each.value.secrets, each.value.optional_secrets) : local.parameter_arns[name]]
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  for_each = local.services
  name     = "secrets"
  role     = aws_iam_role.execution[each.key].id
  policy   = data.aws_iam_policy_document.execution_secrets[each.key].json
}

# --- Task roles: what the application code calls. tests/infra.spec.ts derives each service's AWS
# actions from the SDK commands its source sends and requires these documents to grant exactly
# those. The web task (static files) has no task role. ---
resource "aws_iam_role" "task" {
  for_each           = local.services
  name               = "${var.stack}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

data "aws_iam_policy_document" "sessions" {
  statement {
    sid = "ChunksAndObjects"
    actions = [
      "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
    ]
    resources = ["${aws_s3_bucket.data.arn}/${local.chunk_prefix}*", "${aws_s3_bucket.data.arn}/${local.object_prefix}*"]
  }
  statement {
    sid       = "EndedUploadMarkers"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.data.arn}/${local.ended_prefix}*"]
  }
  statement {
    sid       = "ListChunksForSweeper"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data.arn]
  }
  statement {
    sid       = "ChunkEvents"
    # GetQueueAttributes: the queue depth and oldest message age metrics. SendMessage: a deferred
    # event is sent again with a delay (a fresh receive count) before the received one is deleted.
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:SendMessage"]
    resources = [aws_sqs_queue.chunk_events.arn]
  }
  statement {
    sid = "SessionsAndFiles"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
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
    sid       = "WriteChunks"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.data.arn}/${local.chunk_prefix}*"]
  }
  # Looks up the ended-upload marker before accepting a chunk (HeadObject is authorized as GetObject).
  statement {
    sid       = "ReadEndedMarkers"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.data.arn}/${local.ended_prefix}*"]
  }
  statement {
    sid       = "ReadinessProbe"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data.arn]
  }
}

data "aws_iam_policy_document" "gateway" {
  statement {
    sid = "Users"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
    ]
    resources = [aws_dynamodb_table.tables["users"].arn]
  }
  statement {
    sid       = "AccountEmail"
    actions   = ["ses:SendEmail"]
    resources = [aws_sesv2_email_identity.sender.arn]
  }
  # The tus endpoint writes chunk objects as the uploads service does (never reads or deletes them),
  # and reads, writes and deletes only its own staging objects.
  statement {
    sid       = "TusChunks"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.data.arn}/${local.chunk_prefix}*"]
  }
  statement {
    sid       = "TusStaging"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.data.arn}/${local.tus_staging_prefix}*"]
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = local.services
  name     = "app"
  role     = aws_iam_role.task[each.key].id
  policy = {
    sessions = data.aws_iam_policy_document.sessions.json
    uploads  = data.aws_iam_policy_document.uploads.json
    gateway  = data.aws_iam_policy_document.gateway.json
  }[each.key]
}

# The collector sidecar shares the task role: X-Ray segments when tracing = xray, and the OTLP
# metrics as CloudWatch embedded-metric-format logs in its own log group.
data "aws_iam_policy_document" "collector" {
  dynamic "statement" {
    for_each = var.tracing == "xray" ? [1] : []
    content {
      sid       = "XRay"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }
  statement {
    sid       = "MetricsAsEmf"
    actions   = ["logs:PutLogEvents", "logs:CreateLogStream", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.metrics.arn}:*"]
  }
}

resource "aws_iam_role_policy" "collector" {
  for_each = local.services
  name     = "otel-collector"
  role     = aws_iam_role.task[each.key].id
  policy   = data.aws_iam_policy_document.collector.json
}
