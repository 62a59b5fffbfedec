# lfusys on AWS: ECS Fargate services behind an ALB, S3 + SQS (+ DLQ) + DynamoDB + ElastiCache Redis.
# Resource names follow the one declaration in packages/aws/src/resources.ts: <stack>-data-<account>-<region>,
# <stack>-chunk-events(-dlq), <stack>-users|uploads|files. tests/infra.spec.ts checks they agree.
# docs/deploy.md walks from an empty account to a working site.

terraform {
  # 1.10 brings S3-native state locking (use_lockfile), so no DynamoDB lock table is needed.
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
  # Partial configuration: bucket, key, region come from `terraform init -backend-config=backend.hcl`
  # (see backend.hcl.example). The state holds generated secrets (Redis auth token, token keys), so
  # the state bucket is versioned, encrypted and private, and every access uses TLS.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { project = "lfusys", stack = var.stack }
  }
}

variable "region" {
  description = "AWS region of the whole stack."
  type        = string
  default     = "eu-north-1"
  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-north-1."
  }
}

variable "stack" {
  description = "Stack name; every resource name derives from it (starts with a letter; lowercase letters, digits, dashes; at most 24 characters so target group names stay within 32)."
  type        = string
  default     = "lfusys-prod"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.stack)) && length(var.stack) >= 3 && length(var.stack) <= 24 && !strcontains(var.stack, "--")
    error_message = "stack must be 3-24 characters: a lowercase letter first, then lowercase letters, digits or single dashes, not ending in a dash."
  }
}

variable "image_tag" {
  description = "Image version deployed for every service: an immutable tag pushed to this stack's ECR repositories (for example the git commit) or a digest sha256:<64 hex>. `latest` is refused."
  type        = string
  validation {
    condition = var.image_tag != "latest" && (
      can(regex("^sha256:[a-f0-9]{64}$", var.image_tag)) ||
      can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    )
    error_message = "image_tag must be an immutable tag (not latest) or a digest sha256:<64 hex>."
  }
}

variable "domain_name" {
  description = "Public host name of the web app and API (a DNS name pointing at the load balancer)."
  type        = string
  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name such as files.example.com."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for domain_name in this region (HTTPS only; HTTP redirects)."
  type        = string
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "admin_emails" {
  description = "Comma-separated emails that get the admin role once verified."
  type        = string
  default     = ""
}

variable "github_client_id" {
  description = "GitHub OAuth app client id; empty disables GitHub sign-in."
  type        = string
  default     = ""
}

variable "github_client_secret" {
  description = "GitHub OAuth app client secret (set together with github_client_id)."
  type        = string
  default     = ""
  sensitive   = true
  validation {
    condition     = (var.github_client_secret == "") == (var.github_client_id == "")
    error_message = "Set github_client_id and github_client_secret together, or neither."
  }
}

variable "google_client_id" {
  description = "Google OAuth client id; empty disables Google sign-in."
  type        = string
  default     = ""
}

variable "google_client_secret" {
  description = "Google OAuth client secret (set together with google_client_id)."
  type        = string
  default     = ""
  sensitive   = true
  validation {
    condition     = (var.google_client_secret == "") == (var.google_client_id == "")
    error_message = "Set google_client_id and google_client_secret together, or neither."
  }
}

variable "ses_identity" {
  description = "Sender identity verified in Amazon SES: a domain (DKIM records are output) or one email address. Account emails (verification, password reset) are sent from it."
  type        = string
  validation {
    condition     = can(regex("^([^@\\s]+@)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.ses_identity))
    error_message = "ses_identity must be a domain (example.com) or an email address (noreply@example.com)."
  }
}

variable "scaling" {
  description = "Task count range of each service. Sessions scales on the chunk-event backlog, the others on CPU."
  type        = map(object({ min = number, max = number }))
  default = {
    gateway  = { min = 2, max = 10 }
    uploads  = { min = 2, max = 20 }
    sessions = { min = 2, max = 10 }
    web      = { min = 2, max = 4 }
  }
  validation {
    condition = alltrue([for s in ["gateway", "uploads", "sessions", "web"] : contains(keys(var.scaling), s)]) && alltrue([
      for v in values(var.scaling) : v.min >= 1 && v.max >= v.min
    ])
    error_message = "scaling needs gateway, uploads, sessions and web, each with 1 <= min <= max."
  }
}

variable "chunk_lifecycle_days" {
  description = "Days after which S3 deletes abandoned chunk objects (backstop for the sessions sweeper)."
  type        = number
  default     = 2
}

variable "log_retention_days" {
  description = "Retention of service logs, VPC flow logs and ALB access logs."
  type        = number
  default     = 30
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "tracing" {
  description = "Where each task's collector sidecar sends traces: jaeger (OTLP/HTTP to jaeger_otlp_endpoint), xray (AWS X-Ray) or none."
  type        = string
  default     = "xray"
  validation {
    condition     = contains(["jaeger", "xray", "none"], var.tracing)
    error_message = "tracing must be jaeger, xray or none."
  }
}

variable "jaeger_otlp_endpoint" {
  description = "OTLP/HTTP base URL of a Jaeger (v2) collector, e.g. https://jaeger.internal.example.com:4318, when tracing = jaeger."
  type        = string
  default     = ""
  validation {
    condition     = var.jaeger_otlp_endpoint == "" || can(regex("^https?://[^/\\s]+(:[0-9]+)?/?$", var.jaeger_otlp_endpoint))
    error_message = "jaeger_otlp_endpoint must be an http(s) base URL without a path."
  }
  validation {
    condition     = var.tracing != "jaeger" || var.jaeger_otlp_endpoint != ""
    error_message = "tracing = jaeger needs jaeger_otlp_endpoint."
  }
}

variable "jaeger_cidr_blocks" {
  description = "Networks the collector sidecars may reach the Jaeger endpoint in, when it listens on a port other than 443."
  type        = list(string)
  default     = []
}

variable "alarm_email" {
  description = "Email subscribed to the alarm topic (confirm the subscription mail); empty: subscribe yourself later."
  type        = string
  default     = ""
}

variable "alarm_thresholds" {
  description = "Alarm thresholds: oldest chunk event age (s), 5xx share of requests (%), failed finalizations per 5 minutes."
  type        = object({ oldest_event_seconds = number, http_5xx_percent = number, failed_finalizations = number })
  default     = { oldest_event_seconds = 300, http_5xx_percent = 5, failed_finalizations = 0 }
}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # Bucket names are global: the account and region make them unique without a random suffix.
  bucket         = "${var.stack}-data-${local.account_id}-${var.region}"
  logs_bucket    = "${var.stack}-logs-${local.account_id}-${var.region}"
  chunk_prefix   = "chunks/"
  object_prefix  = "objects/"
  staging_prefix = "staging/"
  # tus PATCH bytes short of a whole chunk, and chunks held until their Upload-Checksum matched.
  tus_staging_prefix = "tus-staging/"
  # Ended-upload markers (ENDED_PREFIX in @lfusys/contracts): fixed, not configurable.
  ended_prefix = "ended/"
  queue          = "${var.stack}-chunk-events"
  dlq            = "${var.stack}-chunk-events-dlq"
  tables         = ["users", "uploads", "files"]
  web_origin     = "https://${var.domain_name}"
  # An image reference by tag (repo:tag) or by digest (repo@sha256:...).
  image_separator = startswith(var.image_tag, "sha256:") ? "@" : ":"
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_availability_zones" "available" {
  state = "available"
}
