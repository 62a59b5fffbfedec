# Secrets live in SSM Parameter Store (SecureString) and reach tasks through `secrets`, never `environment`.
# Values are set out of band (aws ssm put-parameter --overwrite); Terraform creates placeholders only.
locals {
  secret_names = [
    "UPLOAD_TOKEN_KEYS",
    "AUTH_TOKEN_KEYS",
    "GITHUB_CLIENT_ID",
    "GITHUB_CLIENT_SECRET",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
  ]
}

resource "aws_ssm_parameter" "secrets" {
  for_each = toset(local.secret_names)
  name     = "/${var.stack}/${each.key}"
  type     = "SecureString"
  value    = "set-me"
  lifecycle {
    ignore_changes = [value]
  }
}
