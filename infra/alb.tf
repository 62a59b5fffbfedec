# One origin for everything: the web app, the API and chunk PUTs share https://<domain_name>, so auth
# cookies stay first-party (SameSite=Strict) and no CORS with credentials is needed. Routing:
#   PUT|OPTIONS /api/v1/uploads/*/chunks/*  -> uploads
#   /api/*                                  -> gateway
#   everything else                         -> web (static files, SPA fallback)
locals {
  http_targets = {
    gateway = { port = 3100, health = "/health/ready" }
    uploads = { port = 3101, health = "/health/ready" }
    web     = { port = 8080, health = "/" }
  }
}

resource "aws_lb" "main" {
  name                       = var.stack
  load_balancer_type         = "application"
  subnets                    = aws_subnet.public[*].id
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  # Chunk PUTs of up to tens of MiB on slow links, and live-status streams.
  idle_timeout = 300
  access_logs {
    bucket  = aws_s3_bucket.logs.id
    prefix  = "alb"
    enabled = true
  }
  depends_on = [aws_s3_bucket_policy.logs]
}

resource "aws_lb_target_group" "http" {
  for_each    = local.http_targets
  name        = "${var.stack}-${each.key}"
  port        = each.value.port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = aws_vpc.main.id
  # Readiness, not liveness: a task whose dependencies are down leaves the rotation.
  health_check {
    path                = each.value.health
    matcher             = "200"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
  deregistration_delay = 60
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.http["web"].arn
  }
}

# Chunk bytes go to the uploads service.
resource "aws_lb_listener_rule" "uploads" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.http["uploads"].arn
  }
  condition {
    path_pattern {
      values = ["/api/v1/uploads/*/chunks/*"]
    }
  }
  condition {
    http_request_method {
      values = ["PUT", "OPTIONS"]
    }
  }
}

# The rest of the API goes to the gateway.
resource "aws_lb_listener_rule" "gateway" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 20
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.http["gateway"].arn
  }
  condition {
    path_pattern {
      values = ["/api/*"]
    }
  }
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
