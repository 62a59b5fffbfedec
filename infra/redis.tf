resource "aws_elasticache_subnet_group" "redis" {
  name       = "${var.stack}-redis"
  subnet_ids = aws_subnet.private[*].id
}

resource "random_password" "redis" {
  length  = 48
  special = false
}

# TLS in transit and an auth token: the tasks connect with rediss://.
resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = "${var.stack}-redis"
  description                = "lfusys cache, rate limits, OAuth state, live status"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  subnet_group_name          = aws_elasticache_subnet_group.redis.name
  security_group_ids         = [aws_security_group.redis.id]
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  auth_token                 = random_password.redis.result
}

resource "aws_ssm_parameter" "redis_url" {
  name  = "/${var.stack}/REDIS_URL"
  type  = "SecureString"
  value = "rediss://:${random_password.redis.result}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:6379"
}
