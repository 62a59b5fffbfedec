# Account email (address verification, password reset) goes through Amazon SES v2 from this identity.
# A domain identity needs its three DKIM CNAME records published (output `ses_dkim_records`); an email
# identity needs the link AWS mails to it clicked. New accounts start in the SES sandbox: request
# production access before real users sign up (docs/deploy.md).
resource "aws_sesv2_email_identity" "sender" {
  email_identity = var.ses_identity
}
