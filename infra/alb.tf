resource "aws_lb" "main" {
  name                       = var.stack
  load_balancer_type         = "application"
  subnets                    = aws_subnet.public[*].id
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  # Chunk PUTs of up to tens of MiB on slow links.
  idle_timeout = 300
}

resource "aws_lb_target_group" "http" {
  for_each    = { gateway = 3100, uploads = 3101 }
  name        = "${var.stack}-${each.key}"
  port        = each.value
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = aws_vpc.main.id
  # Readiness, not liveness: a task whose dependencies are down leaves the rotation.
  health_check {
    path                = "/health/ready"
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
    target_group_arn = aws_lb_target_group.http["gateway"].arn
  }
}

# Chunk bytes go to the uploads service; everything else to the gateway.
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
