resource "aws_ecs_cluster" "main" {
  name = var.stack
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_service_discovery_private_dns_namespace" "main" {
  name = "${var.stack}.internal"
  vpc  = aws_vpc.main.id
}

resource "aws_service_discovery_service" "sessions" {
  name = "sessions"
  dns_config {
    namespace_id = aws_service_discovery_private_dns_namespace.main.id
    dns_records {
      ttl  = 10
      type = "A"
    }
  }
}

locals {
  common_env = {
    LFUSYS_ENV                  = "production"
    LOG_LEVEL                   = "info"
    OTEL_ENABLED                = "true"
    OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318"
    AWS_REGION                  = var.region
    S3_BUCKET                   = aws_s3_bucket.data.bucket
    S3_CHUNK_PREFIX             = local.chunk_prefix
    S3_OBJECT_PREFIX            = local.object_prefix
  }

  services = {
    sessions = {
      port   = 3102
      cpu    = 1024
      memory = 2048
      env = {
        SESSIONS_GRPC_HOST         = "0.0.0.0"
        SESSIONS_GRPC_PORT         = "3102"
        DYNAMODB_UPLOADS_TABLE     = aws_dynamodb_table.tables["uploads"].name
        DYNAMODB_FILES_TABLE       = aws_dynamodb_table.tables["files"].name
        SQS_CHUNK_EVENTS_QUEUE_URL = aws_sqs_queue.chunk_events.url
        UPLOADS_PUBLIC_URL         = "https://${var.domain_name}"
      }
      secrets = ["UPLOAD_TOKEN_KEYS", "REDIS_URL"]
    }
    uploads = {
      port   = 3101
      cpu    = 1024
      memory = 1024
      env = {
        UPLOADS_HOST = "0.0.0.0"
        UPLOADS_PORT = "3101"
        WEB_ORIGIN   = local.web_origin
      }
      secrets = ["UPLOAD_TOKEN_KEYS"]
    }
    gateway = {
      port   = 3100
      cpu    = 512
      memory = 1024
      env = {
        GATEWAY_HOST         = "0.0.0.0"
        GATEWAY_PORT         = "3100"
        GATEWAY_PUBLIC_URL   = local.web_origin
        SESSIONS_GRPC_URL    = "sessions.${aws_service_discovery_private_dns_namespace.main.name}:3102"
        WEB_ORIGIN           = local.web_origin
        DYNAMODB_USERS_TABLE = aws_dynamodb_table.tables["users"].name
        ADMIN_EMAILS         = var.admin_emails
        TRUSTED_PROXIES      = aws_vpc.main.cidr_block
      }
      secrets = ["AUTH_TOKEN_KEYS", "REDIS_URL", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"]
    }
  }

  parameter_arns = merge(
    { for name, p in aws_ssm_parameter.secrets : name => p.arn },
    { REDIS_URL = aws_ssm_parameter.redis_url.arn },
  )
}

resource "aws_cloudwatch_log_group" "services" {
  for_each          = local.services
  name              = "/ecs/${var.stack}/${each.key}"
  retention_in_days = 30
}

resource "aws_ecs_task_definition" "services" {
  for_each                 = local.services
  family                   = "${var.stack}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn
  container_definitions = jsonencode([
    {
      name         = each.key
      image        = "${var.image_repository}/${each.key}:${var.image_tag}"
      essential    = true
      portMappings = [{ containerPort = each.value.port, protocol = "tcp" }]
      environment  = [for k, v in merge(local.common_env, each.value.env) : { name = k, value = v }]
      secrets      = [for name in each.value.secrets : { name = name, valueFrom = local.parameter_arns[name] }]
      # Readiness includes dependencies; the container is replaced when it stops answering.
      healthCheck = {
        command     = ["CMD", "node", "scripts/healthcheck.ts", each.key, tostring(each.value.port)]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 20
      }
      stopTimeout = 60
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.services[each.key].name
          awslogs-region        = var.region
          awslogs-stream-prefix = each.key
        }
      }
    },
    {
      name      = "otel-collector"
      image     = "public.ecr.aws/aws-observability/aws-otel-collector:latest"
      essential = false
      command   = ["--config=/etc/ecs/ecs-default-config.yaml"]
    },
  ])
}

resource "aws_ecs_service" "services" {
  for_each               = local.services
  name                   = each.key
  cluster                = aws_ecs_cluster.main.id
  task_definition        = aws_ecs_task_definition.services[each.key].arn
  desired_count          = each.key == "sessions" ? var.sessions_min_tasks : 2
  launch_type            = "FARGATE"
  enable_execute_command = false
  propagate_tags         = "SERVICE"

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "load_balancer" {
    for_each = each.key == "sessions" ? [] : [each.key]
    content {
      target_group_arn = aws_lb_target_group.http[each.key].arn
      container_name   = each.key
      container_port   = local.services[each.key].port
    }
  }

  dynamic "service_registries" {
    for_each = each.key == "sessions" ? [1] : []
    content {
      registry_arn = aws_service_discovery_service.sessions.arn
    }
  }

  lifecycle {
    ignore_changes = [desired_count]
  }
}
