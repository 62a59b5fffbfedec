# --- S3: chunk objects under chunks/, assembled content-addressed objects under objects/ ---
resource "aws_s3_bucket" "data" {
  bucket = local.bucket
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Backstop for the sessions sweeper: abandoned chunks and incomplete multipart uploads go away.
resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    id     = "expire-abandoned-chunks"
    status = "Enabled"
    filter {
      prefix = local.chunk_prefix
    }
    expiration {
      days = var.chunk_lifecycle_days
    }
  }
  rule {
    id     = "expire-staged-chunks"
    status = "Enabled"
    filter {
      prefix = local.staging_prefix
    }
    expiration {
      days = 1
    }
  }
  # Markers of ended uploads outlive every token of their upload (UPLOAD_TOKEN_TTL_SECONDS is at
  # most a day), then go.
  rule {
    id     = "expire-ended-markers"
    status = "Enabled"
    filter {
      prefix = local.ended_prefix
    }
    expiration {
      days = 2
    }
  }
  rule {
    # Backstop for staging objects of tus uploads that ended without their gateway removing them.
    id     = "expire-tus-staging"
    status = "Enabled"
    filter {
      prefix = local.tus_staging_prefix
    }
    expiration {
      days = var.chunk_lifecycle_days
    }
  }
  rule {
    id     = "abort-incomplete-multipart"
    status = "Enabled"
    filter {
      prefix = ""
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# Downloads are presigned GETs opened by the browser (no CORS needed); chunk PUTs go through the
# uploads service, so the bucket needs no browser CORS at all.

# Every request must use TLS (presigned download URLs are https on AWS).
data "aws_iam_policy_document" "data_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "data" {
  bucket     = aws_s3_bucket.data.id
  policy     = data.aws_iam_policy_document.data_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.data]
}

# --- S3: load balancer access logs ---
resource "aws_s3_bucket" "logs" {
  bucket = local.logs_bucket
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Load balancer access logs support SSE-S3 only.
resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    id     = "expire-logs"
    status = "Enabled"
    filter {
      prefix = ""
    }
    expiration {
      days = var.log_retention_days
    }
  }
}

# Regions opened before Jakarta (ap-southeast-3, December 2021) deliver ALB logs as a regional
# Elastic Load Balancing account, later ones only as the log delivery service (for which the
# provider's aws_elb_service_account fails with "Unknown region"). Allow what the region uses, for
# this load balancer's prefix only.
locals {
  elb_account_regions = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
    "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-north-1",
    "me-south-1", "sa-east-1", "us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1",
  ]
}

data "aws_elb_service_account" "main" {
  count = contains(local.elb_account_regions, var.region) ? 1 : 0
}

data "aws_iam_policy_document" "logs_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
  dynamic "statement" {
    for_each = data.aws_elb_service_account.main
    content {
      sid       = "ElbAccountLogDelivery"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account_id}/*"]
      principals {
        type        = "AWS"
        identifiers = [statement.value.arn]
      }
    }
  }
  statement {
    sid       = "ElbServiceLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket     = aws_s3_bucket.logs.id
  policy     = data.aws_iam_policy_document.logs_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.logs]
}

# --- SQS: chunk events with a dead-letter queue ---
resource "aws_sqs_queue" "chunk_events_dlq" {
  name                      = local.dlq
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "chunk_events" {
  name                       = local.queue
  visibility_timeout_seconds = 60
  receive_wait_time_seconds  = 20
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.chunk_events_dlq.arn
    maxReceiveCount     = 3
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "chunk_events_dlq" {
  queue_url = aws_sqs_queue.chunk_events_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.chunk_events.arn]
  })
}

# S3 may send to the queue only for this bucket.
resource "aws_sqs_queue_policy" "chunk_events" {
  queue_url = aws_sqs_queue.chunk_events.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowBucketNotifications"
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.chunk_events.arn
      Condition = {
        ArnEquals    = { "aws:SourceArn" = aws_s3_bucket.data.arn }
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
      }
    }]
  })
}

resource "aws_s3_bucket_notification" "chunk_events" {
  bucket = aws_s3_bucket.data.id
  queue {
    id            = "chunk-events"
    queue_arn     = aws_sqs_queue.chunk_events.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = local.chunk_prefix
  }
  depends_on = [aws_sqs_queue_policy.chunk_events]
}

# --- DynamoDB: generic keys pk/sk, two GSIs, TTL on `ttl` ---
resource "aws_dynamodb_table" "tables" {
  for_each     = toset(local.tables)
  name         = "${var.stack}-${each.key}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "gsi1pk"
    type = "S"
  }
  attribute {
    name = "gsi1sk"
    type = "S"
  }
  attribute {
    name = "gsi2pk"
    type = "S"
  }
  attribute {
    name = "gsi2sk"
    type = "S"
  }

  global_secondary_index {
    name            = "gsi1"
    hash_key        = "gsi1pk"
    range_key       = "gsi1sk"
    projection_type = "ALL"
  }
  global_secondary_index {
    name            = "gsi2"
    hash_key        = "gsi2pk"
    range_key       = "gsi2sk"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  # Users, sessions and file records: a stray `terraform destroy` must not take them.
  deletion_protection_enabled = true
  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled = true
  }
}
