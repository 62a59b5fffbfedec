output "site_url" {
  description = "The web app, the API under /api and chunk PUTs, once DNS points at the load balancer."
  value       = local.web_origin
}

output "load_balancer_dns" {
  description = "Point domain_name here (CNAME, or a Route 53 alias record)."
  value       = aws_lb.main.dns_name
}

output "ecr_repositories" {
  description = "Push each image here with the tag you deploy (image_tag)."
  value       = { for k, r in aws_ecr_repository.images : k => r.repository_url }
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

output "ses_dkim_records" {
  description = "CNAME records to publish for a domain sender identity (empty for an email identity)."
  value = [
    for token in try(aws_sesv2_email_identity.sender.dkim_signing_attributes[0].tokens, []) :
    { name = "${token}._domainkey.${var.ses_identity}", type = "CNAME", value = "${token}.dkim.amazonses.com" }
  ]
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}
