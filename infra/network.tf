# Two public subnets (ALB, NAT) and two private subnets (tasks, Redis), one NAT per AZ.
resource "aws_vpc" "main" {
  cidr_block           = "10.40.0.0/16"
  enable_dns_hostnames = true
  enable_dns_support   = true
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "public" {
  count                   = 2
  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone       = data.aws_availability_zones.available.names[count.index]
  map_public_ip_on_launch = false
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index + 10)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

resource "aws_eip" "nat" {
  count  = 2
  domain = "vpc"
}

resource "aws_nat_gateway" "main" {
  count         = 2
  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  count          = 2
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  count  = 2
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main[count.index].id
  }
}

resource "aws_route_table_association" "private" {
  count          = 2
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

# S3 and DynamoDB traffic stays off the NAT.
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id
}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.${var.region}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id
}

# --- VPC flow logs: every accepted and rejected flow, to CloudWatch Logs ---
resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/vpc/${var.stack}/flow-logs"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "flow_logs" {
  name               = "${var.stack}-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow_logs.arn}:*"]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

resource "aws_flow_log" "vpc" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn    = aws_iam_role.flow_logs.arn
}

# --- Security groups: one per role, rules as separate resources (the graph has cycles, e.g. the
# load balancer's egress names the gateway's group and the gateway's ingress names the load
# balancer's). The graph, checked by tests/infra.spec.ts:
#   internet -> alb (80, 443); alb -> web (8080), gateway (3100), uploads (3101);
#   gateway -> sessions (3102); gateway, sessions -> redis (6379). Nothing else reaches sessions or
#   Redis. Task egress: only those internal ports and HTTPS (AWS APIs through the NAT or the S3 and
#   DynamoDB endpoints, ECR, OAuth providers). DNS and the task metadata/credentials endpoint are
#   link-local and not subject to security groups.
locals {
  task_groups = toset(["gateway", "sessions", "uploads", "web"])
}

resource "aws_security_group" "alb" {
  name        = "${var.stack}-alb"
  description = "lfusys load balancer"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "tasks" {
  for_each    = local.task_groups
  name        = "${var.stack}-${each.key}"
  description = "lfusys ${each.key} tasks"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "redis" {
  name        = "${var.stack}-redis"
  description = "lfusys Redis"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the internet"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from the internet, redirected to HTTPS"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_egress_rule" "alb_to_web" {
  security_group_id            = aws_security_group.alb.id
  referenced_security_group_id = aws_security_group.tasks["web"].id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_vpc_security_group_egress_rule" "alb_to_gateway" {
  security_group_id            = aws_security_group.alb.id
  referenced_security_group_id = aws_security_group.tasks["gateway"].id
  ip_protocol                  = "tcp"
  from_port                    = 3100
  to_port                      = 3100
}

resource "aws_vpc_security_group_egress_rule" "alb_to_uploads" {
  security_group_id            = aws_security_group.alb.id
  referenced_security_group_id = aws_security_group.tasks["uploads"].id
  ip_protocol                  = "tcp"
  from_port                    = 3101
  to_port                      = 3101
}

resource "aws_vpc_security_group_ingress_rule" "web_from_alb" {
  security_group_id            = aws_security_group.tasks["web"].id
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_vpc_security_group_ingress_rule" "gateway_from_alb" {
  security_group_id            = aws_security_group.tasks["gateway"].id
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 3100
  to_port                      = 3100
}

resource "aws_vpc_security_group_ingress_rule" "uploads_from_alb" {
  security_group_id            = aws_security_group.tasks["uploads"].id
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 3101
  to_port                      = 3101
}

# Sessions trusts its callers only through the network and the gateway's signed caller token: the
# internet-facing uploads tasks cannot open a connection to it.
resource "aws_vpc_security_group_ingress_rule" "sessions_from_gateway" {
  security_group_id            = aws_security_group.tasks["sessions"].id
  referenced_security_group_id = aws_security_group.tasks["gateway"].id
  description                  = "gRPC from the gateway only"
  ip_protocol                  = "tcp"
  from_port                    = 3102
  to_port                      = 3102
}

resource "aws_vpc_security_group_egress_rule" "gateway_to_sessions" {
  security_group_id            = aws_security_group.tasks["gateway"].id
  referenced_security_group_id = aws_security_group.tasks["sessions"].id
  ip_protocol                  = "tcp"
  from_port                    = 3102
  to_port                      = 3102
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_tasks" {
  for_each                     = toset(["gateway", "sessions"])
  security_group_id            = aws_security_group.redis.id
  referenced_security_group_id = aws_security_group.tasks[each.key].id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_redis" {
  for_each                     = toset(["gateway", "sessions"])
  security_group_id            = aws_security_group.tasks[each.key].id
  referenced_security_group_id = aws_security_group.redis.id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}

# HTTPS out for AWS APIs, ECR pulls, log delivery (Fargate sends them through the task's network)
# and, for the gateway, the OAuth providers.
resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  for_each          = local.task_groups
  security_group_id = aws_security_group.tasks[each.key].id
  description       = "HTTPS to AWS APIs, ECR and OAuth providers"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

# A Jaeger collector on another port, inside the given networks (tracing = jaeger).
resource "aws_vpc_security_group_egress_rule" "tasks_jaeger" {
  for_each = {
    for pair in setproduct(["gateway", "sessions", "uploads"], var.jaeger_cidr_blocks) : "${pair[0]}-${pair[1]}" => { group = pair[0], cidr = pair[1] }
  }
  security_group_id = aws_security_group.tasks[each.value.group].id
  description       = "OTLP/HTTP to Jaeger"
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = local.jaeger_port
  to_port           = local.jaeger_port
}
