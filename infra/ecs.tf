resource "aws_ecs_cluster" "main" {
  name = var.stack
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

# Sessions tasks register one A record each (multivalue); the gateway's gRPC client resolves the name
# with dns:/// and balances calls round robin over every address, re-resolving when one goes away.
resource "aws_service_discovery_private_dns_namespace" "main" {
  name = "${var.stack}.internal"
  vpc  = aws_vpc.main.id
}

resource "aws_service_discovery_service" "sessions" {
  name = "sessions"
  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.main.id
    routing_policy = "MULTIVALUE"
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
    OTEL_ENABLED                = var.tracing == "none" ? "false" : "true"
    OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318"
    AWS_REGION                  = var.region
    S3_BUCKET                   = aws_s3_bucket.data.bucket
    S3_CHUNK_PREFIX             = local.chunk_prefix
    S3_OBJECT_PREFIX            = local.object_prefix
  }

  # The Node services. Each one's config schema (services/*/src/config.ts) is the contract:
  # tests/infra.spec.ts loads it with this environment and fails on anything missing.
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
        UPLOADS_PUBLIC_URL         = local.web_origin
        # Per-user chunks in flight, signed into each upload token (docs/security.md).
        UPLOAD_MAX_CHUNKS_IN_FLIGHT = "8"
      }
      secrets          = ["UPLOAD_TOKEN_KEYS", "SERVICE_TOKEN_KEYS", "REDIS_URL", "TELEMETRY_PSEUDONYM_KEY"]
      optional_secrets = []
    }
    uploads = {
      port   = 3101
      cpu    = 1024
      memory = 1024
      env = {
        UPLOADS_HOST = "0.0.0.0"
        UPLOADS_PORT = "3101"
        WEB_ORIGIN   = local.web_origin
        # Fair intake (docs/security.md): small-chunk lane, per-user default, minimum body rate.
        UPLOADS_SMALL_CHUNK_BYTES             = "1048576"
        UPLOADS_SMALL_CHUNK_SLOTS             = "8"
        UPLOADS_MAX_CHUNKS_PER_USER           = "8"
        UPLOADS_MIN_TRANSFER_BYTES_PER_SECOND = "32768"
        UPLOADS_MIN_TRANSFER_GRACE_MS         = "10000"
        UPLOADS_MIN_TRANSFER_WINDOW_MS        = "10000"
      }
      secrets          = ["UPLOAD_TOKEN_KEYS", "TELEMETRY_PSEUDONYM_KEY"]
      optional_secrets = []
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
        TUS_STAGING_PREFIX   = local.tus_staging_prefix
        ADMIN_EMAILS         = var.admin_emails
        # Account email through Amazon SES from the stack's verified identity.
        MAIL_TRANSPORT = "ses"
        MAIL_FROM      = strcontains(var.ses_identity, "@") ? var.ses_identity : "no-reply@${var.ses_identity}"
        # Only the load balancer's nodes (in the public subnets) set X-Forwarded-For we believe.
        TRUSTED_PROXIES = join(",", aws_subnet.public[*].cidr_block)
      }
      secrets          = ["AUTH_TOKEN_KEYS", "SERVICE_TOKEN_KEYS", "REDIS_URL", "TELEMETRY_PSEUDONYM_KEY"]
      optional_secrets = local.oauth_secrets
    }
  }

  parameter_arns = merge(
    { for name, p in aws_ssm_parameter.generated : name => p.arn },
    { for name, p in aws_ssm_parameter.oauth : name => p.arn },
    { REDIS_URL = aws_ssm_parameter.redis_url.arn },
    { TELEMETRY_PSEUDONYM_KEY = aws_ssm_parameter.telemetry_pseudonym.arn },
  )

  # A writable /tmp on a read-only root filesystem: a Fargate bind mount (task ephemeral storage).
  # The images declare VOLUME /tmp, so ECS gives the mount the image's /tmp mode (1777) and the
  # non-root user can write to it.
  tmp_volume = "tmp"
}

resource "aws_cloudwatch_log_group" "services" {
  for_each          = setunion(keys(local.services), ["web", "otel-collector"])
  name              = "/ecs/${var.stack}/${each.key}"
  retention_in_days = var.log_retention_days
}

resource "aws_ecs_task_definition" "services" {
  for_each                 = local.services
  family                   = "${var.stack}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution[each.key].arn
  task_role_arn            = aws_iam_role.task[each.key].arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  volume {
    name = local.tmp_volume
  }
  # No `command`: the image's default start command (which loads the instrumentation first) runs.
  container_definitions = jsonencode([
    {
      name                   = each.key
      image                  = "${aws_ecr_repository.images[each.key].repository_url}${local.image_separator}${var.image_tag}"
      essential              = true
      readonlyRootFilesystem = true
      mountPoints            = [{ sourceVolume = local.tmp_volume, containerPath = "/tmp", readOnly = false }]
      portMappings           = [{ containerPort = each.value.port, protocol = "tcp" }]
      environment            = [for k, v in merge(local.common_env, each.value.env) : { name = k, value = v }]
      secrets = [
        for name in concat(each.value.secrets, each.value.optional_secrets) : { name = name, valueFrom = local.parameter_arns[name] }
      ]
      # Spans emitted while starting are not lost: the collector is up first.
      dependsOn = [{ containerName = "otel-collector", condition = "START" }]
      # Liveness; readiness (with dependencies) is the load balancer's health check.
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
    local.collector_container,
  ])
}

resource "aws_ecs_task_definition" "web" {
  family                   = "${var.stack}-web"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution["web"].arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  volume {
    name = local.tmp_volume
  }
  container_definitions = jsonencode([
    {
      name                   = "web"
      image                  = "${aws_ecr_repository.images["web"].repository_url}${local.image_separator}${var.image_tag}"
      essential              = true
      readonlyRootFilesystem = true
      mountPoints            = [{ sourceVolume = local.tmp_volume, containerPath = "/tmp", readOnly = false }]
      portMappings           = [{ containerPort = 8080, protocol = "tcp" }]
      healthCheck = {
        command     = ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.services["web"].name
          awslogs-region        = var.region
          awslogs-stream-prefix = "web"
        }
      }
    },
  ])
}

locals {
  ecs_services = {
    gateway  = { task = aws_ecs_task_definition.services["gateway"].arn, port = 3100 }
    uploads  = { task = aws_ecs_task_definition.services["uploads"].arn, port = 3101 }
    sessions = { task = aws_ecs_task_definition.services["sessions"].arn, port = 3102 }
    web      = { task = aws_ecs_task_definition.web.arn, port = 8080 }
  }
}

resource "aws_ecs_service" "services" {
  for_each                          = local.ecs_services
  name                              = each.key
  cluster                           = aws_ecs_cluster.main.id
  task_definition                   = each.value.task
  desired_count                     = var.scaling[each.key].min
  launch_type                       = "FARGATE"
  enable_execute_command            = false
  propagate_tags                    = "SERVICE"
  health_check_grace_period_seconds = contains(keys(local.http_targets), each.key) ? 60 : null

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.tasks[each.key].id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "load_balancer" {
    for_each = contains(keys(local.http_targets), each.key) ? [each.key] : []
    content {
      target_group_arn = aws_lb_target_group.http[each.key].arn
      container_name   = each.key
      container_port   = each.value.port
    }
  }

  dynamic "service_registries" {
    for_each = each.key == "sessions" ? [1] : []
    content {
      registry_arn = aws_service_discovery_service.sessions.arn
    }
  }

  # A target group must be attached to the listener before a service may register targets in it;
  # the roles must be able to fetch secrets before the first task starts.
  depends_on = [
    aws_lb_listener.https,
    aws_lb_listener_rule.uploads,
    aws_lb_listener_rule.gateway,
    aws_iam_role_policy.execution_secrets,
    aws_iam_role_policy.task,
  ]

  lifecycle {
    ignore_changes = [desired_count]
  }
}
