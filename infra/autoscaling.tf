# Every service scales between var.scaling's bounds. resource_id must be service/<cluster>/<service>.
resource "aws_appautoscaling_target" "services" {
  for_each           = local.ecs_services
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.services[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.scaling[each.key].min
  max_capacity       = var.scaling[each.key].max
}

# CPU for all: hashing chunk bodies (uploads), argon2 and TLS (gateway), finalization (sessions).
resource "aws_appautoscaling_policy" "cpu" {
  for_each           = aws_appautoscaling_target.services
  name               = "${var.stack}-${each.key}-cpu"
  service_namespace  = "ecs"
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.scalable_dimension
  policy_type        = "TargetTrackingScaling"
  target_tracking_scaling_policy_configuration {
    target_value       = 60
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# Sessions workers also scale with the chunk-event backlog (whichever policy asks for more wins).
resource "aws_appautoscaling_policy" "sessions_backlog" {
  name               = "${var.stack}-sessions-backlog"
  service_namespace  = "ecs"
  resource_id        = aws_appautoscaling_target.services["sessions"].resource_id
  scalable_dimension = aws_appautoscaling_target.services["sessions"].scalable_dimension
  policy_type        = "TargetTrackingScaling"
  target_tracking_scaling_policy_configuration {
    # Aim for about 500 visible chunk events per task.
    target_value       = 500
    scale_in_cooldown  = 120
    scale_out_cooldown = 30
    customized_metric_specification {
      metrics {
        id          = "backlog_per_task"
        expression  = "visible / IF(tasks > 0, tasks, 1)"
        label       = "chunk events per sessions task"
        return_data = true
      }
      metrics {
        id = "visible"
        metric_stat {
          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"
            dimensions {
              name  = "QueueName"
              value = aws_sqs_queue.chunk_events.name
            }
          }
          stat = "Sum"
        }
        return_data = false
      }
      metrics {
        id = "tasks"
        metric_stat {
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = aws_ecs_cluster.main.name
            }
            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.services["sessions"].name
            }
          }
          stat = "Average"
        }
        return_data = false
      }
    }
  }
}
