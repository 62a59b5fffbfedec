# Traces and metrics: every Node task runs an AWS Distro for OpenTelemetry collector as a sidecar.
# The services export OTLP/HTTP to it on 127.0.0.1:4318; it forwards traces to Jaeger (OTLP/HTTP,
# tracing = jaeger) or to AWS X-Ray (tracing = xray), and metrics to CloudWatch as embedded metric
# format logs (namespace lfusys). docs/deploy.md describes both trace paths.
locals {
  jaeger_port = var.jaeger_otlp_endpoint == "" ? 443 : try(
    tonumber(regex(":([0-9]+)/?$", var.jaeger_otlp_endpoint)[0]),
    startswith(var.jaeger_otlp_endpoint, "https://") ? 443 : 80,
  )

  trace_exporters = {
    jaeger = { "otlphttp/jaeger" = { endpoint = var.jaeger_otlp_endpoint } }
    xray   = { awsxray = { region = var.region } }
    none   = {}
  }[var.tracing]

  collector_config = {
    extensions = { health_check = { endpoint = "127.0.0.1:13133" } }
    receivers = {
      otlp = { protocols = { http = { endpoint = "127.0.0.1:4318" } } }
    }
    processors = {
      batch             = {}
      resourcedetection = { detectors = ["env", "ecs"], timeout = "2s", override = false }
    }
    exporters = merge(local.trace_exporters, {
      awsemf = {
        region         = var.region
        namespace      = "lfusys"
        log_group_name = aws_cloudwatch_log_group.metrics.name
        # One dimension set per service keeps the metric count (and the bill) small.
        dimension_rollup_option = "NoDimensionRollup"
        resource_to_telemetry_conversion = { enabled = false }
      }
    })
    service = {
      extensions = ["health_check"]
      pipelines = merge(
        var.tracing == "none" ? {} : {
          traces = { receivers = ["otlp"], processors = ["resourcedetection", "batch"], exporters = keys(local.trace_exporters) }
        },
        { metrics = { receivers = ["otlp"], processors = ["resourcedetection", "batch"], exporters = ["awsemf"] } },
      )
    }
  }

  collector_container = {
    name                   = "otel-collector"
    image                  = "public.ecr.aws/aws-observability/aws-otel-collector:v0.45.0"
    essential              = false
    readonlyRootFilesystem = true
    # The whole configuration travels in the environment; no file in the image is changed.
    environment = [{ name = "AOT_CONFIG_CONTENT", value = yamlencode(local.collector_config) }]
    healthCheck = {
      command     = ["/healthcheck"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.services["otel-collector"].name
        awslogs-region        = var.region
        awslogs-stream-prefix = "collector"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "metrics" {
  name              = "/ecs/${var.stack}/metrics"
  retention_in_days = var.log_retention_days
}

# --- Alarms, all to one topic ---
# Not encrypted with the AWS-managed SNS key: CloudWatch alarms cannot publish to a topic that uses
# it (the notifications carry alarm names and states only).
resource "aws_sns_topic" "alarms" {
  name = "${var.stack}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = "${var.stack}-chunk-events-dlq"
  alarm_description   = "Chunk events failed three times and wait in the dead-letter queue (runbook: docs/operations.md)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.chunk_events_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "oldest_chunk_event" {
  alarm_name          = "${var.stack}-chunk-events-oldest-age"
  alarm_description   = "A chunk event waited too long: the sessions workers are down, failing or far behind."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.chunk_events.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.alarm_thresholds.oldest_event_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# 5xx answered by the targets or by the load balancer itself (no healthy target, timeouts), as a
# share of all requests, so a quiet night with one error does not page anyone.
resource "aws_cloudwatch_metric_alarm" "http_5xx_rate" {
  alarm_name          = "${var.stack}-http-5xx-rate"
  alarm_description   = "More than the allowed share of requests answered 5xx."
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.alarm_thresholds.http_5xx_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "rate"
    expression  = "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / IF(requests > 0, requests, 1)"
    label       = "5xx share of requests (%)"
    return_data = true
  }
  dynamic "metric_query" {
    for_each = { target5xx = "HTTPCode_Target_5XX_Count", elb5xx = "HTTPCode_ELB_5XX_Count", requests = "RequestCount" }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = metric_query.value
        dimensions  = { LoadBalancer = aws_lb.main.arn_suffix }
        period      = 60
        stat        = "Sum"
      }
    }
  }
}

# The sessions service logs `upload failed` (pino JSON, field msg) once per upload whose
# finalization ends in `failed` (integrity mismatch, missing chunks): counted here, alarmed below.
resource "aws_cloudwatch_log_metric_filter" "finalization_failed" {
  name           = "${var.stack}-finalization-failed"
  log_group_name = aws_cloudwatch_log_group.services["sessions"].name
  pattern        = "{ $.msg = \"upload failed\" }"
  metric_transformation {
    name          = "FinalizationFailed"
    namespace     = "lfusys/${var.stack}"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "finalization_failed" {
  alarm_name          = "${var.stack}-finalization-failed"
  alarm_description   = "Uploads ended in failed during finalization (look up `upload failed` in the sessions logs)."
  namespace           = "lfusys/${var.stack}"
  metric_name         = aws_cloudwatch_log_metric_filter.finalization_failed.metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.alarm_thresholds.failed_finalizations
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
