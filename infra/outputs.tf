output "load_balancer_dns" {
  value = aws_lb.main.dns_name
}

output "bucket" {
  value = aws_s3_bucket.data.bucket
}

output "chunk_events_queue_url" {
  value = aws_sqs_queue.chunk_events.url
}

output "tables" {
  value = { for k, t in aws_dynamodb_table.tables : k => t.name }
}
