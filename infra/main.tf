# lfusys on AWS: ECS Fargate services behind an ALB, S3 + SQS (+ DLQ) + DynamoDB + ElastiCache Redis.
# Resource names follow the one declaration in packages/aws/src/resources.ts: <stack>-data,
# <stack>-chunk-events(-dlq), <stack>-users|uploads|files. infra/infra.spec.ts checks they agree.

terraform {
  required_version = ">= 1.6"
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
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { project = "lfusys", stack = var.stack }
  }
}

variable "region" {
  type    = string
  default = "eu-north-1"
}

variable "stack" {
  description = "Stack name; every resource name derives from it (lowercase, digits, dashes)."
  type        = string
  default     = "lfusys-prod"
}

variable "image_tag" {
  type    = string
  default = "latest"
}

variable "image_repository" {
  description = "Registry path; images are <repository>/<service>:<tag>."
  type        = string
}

variable "domain_name" {
  description = "Public host name of the web app and API."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for domain_name (HTTPS only; HTTP redirects)."
  type        = string
}

variable "admin_emails" {
  type    = string
  default = ""
}

variable "sessions_min_tasks" {
  type    = number
  default = 1
}

variable "sessions_max_tasks" {
  type    = number
  default = 10
}

variable "chunk_lifecycle_days" {
  type    = number
  default = 2
}

locals {
  bucket       = "${var.stack}-data"
  chunk_prefix = "chunks/"
  object_prefix = "objects/"
  staging_prefix = "staging/"
  queue        = "${var.stack}-chunk-events"
  dlq          = "${var.stack}-chunk-events-dlq"
  tables       = ["users", "uploads", "files"]
  web_origin   = "https://${var.domain_name}"
}

data "aws_caller_identity" "current" {}
data "aws_availability_zones" "available" {
  state = "available"
}
