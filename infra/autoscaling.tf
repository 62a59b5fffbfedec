# Sessions workers scale with the chunk-event backlog. resource_id must be service/<cluster>/<service>.
resource "aws_appautoscaling_target" "sessions" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.services["sessions"].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.sessions_min_tasks
  max_capacity       = var.sessions_max_tasks
}

resource "aws_appautoscaling_policy" "sessions_backlog" {
  name               = "${var.stack}-sessions-backlog"
  service_namespace  = "ecs"
  resource_id        = aws_appautoscaling_target.sessions.resource_id
  scalable_dimension = aws_appautoscaling_target.sessions.scalable_dimension
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

resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = "${var.stack}-chunk-events-dlq"
  alarm_description   = "Chunk events failed three times and wait in the dead-letter queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.chunk_events_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
}
