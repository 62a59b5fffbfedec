# Secrets live in SSM Parameter Store (SecureString) and reach tasks through `secrets`, never
# `environment`. Signing keys are generated here (random provider, so they live in the encrypted
# remote state); OAuth client secrets come from sensitive variables and exist only for the
# providers that are configured.
locals {
  # Key rings kid:secret[,kid:secret]; the first key signs. 64 alphanumerics carry ~380 bits.
  generated_secrets = toset(["UPLOAD_TOKEN_KEYS", "AUTH_TOKEN_KEYS", "SERVICE_TOKEN_KEYS"])

  oauth_secret_values = merge(
    var.github_client_id == "" ? {} : {
      GITHUB_CLIENT_ID     = var.github_client_id
      GITHUB_CLIENT_SECRET = var.github_client_secret
    },
    var.google_client_id == "" ? {} : {
      GOOGLE_CLIENT_ID     = var.google_client_id
      GOOGLE_CLIENT_SECRET = var.google_client_secret
    },
  )
  # The names, known at plan time, so the task definitions can list them.
  oauth_secrets = concat(
    var.github_client_id == "" ? [] : ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"],
    var.google_client_id == "" ? [] : ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"],
  )
}

resource "random_password" "keys" {
  for_each = local.generated_secrets
  length   = 64
  special  = false
}

# Rotation prepends a new key to the parameter out of band (docs/operations.md); Terraform keeps
# what is there instead of reverting it.
resource "aws_ssm_parameter" "generated" {
  for_each = local.generated_secrets
  name     = "/${var.stack}/${each.key}"
  type     = "SecureString"
  value    = "k1:${random_password.keys[each.key].result}"
  lifecycle {
    ignore_changes = [value]
  }
}

# The HMAC key behind the lfusys.user.pseudonym span attribute: one plain secret shared by every
# service (not a key ring), so a user's spans correlate across services without naming the user.
resource "random_password" "telemetry_pseudonym" {
  length  = 64
  special = false
}

resource "aws_ssm_parameter" "telemetry_pseudonym" {
  name  = "/${var.stack}/TELEMETRY_PSEUDONYM_KEY"
  type  = "SecureString"
  value = random_password.telemetry_pseudonym.result
  lifecycle {
    ignore_changes = [value]
  }
}

resource "aws_ssm_parameter" "oauth" {
  for_each = toset(local.oauth_secrets)
  name     = "/${var.stack}/${each.key}"
  type     = "SecureString"
  value    = local.oauth_secret_values[each.key]
}
