# One repository per image. Tags are immutable: a tag names one build forever, so a rollback to a
# tag redeploys exactly what ran before (docs/deploy.md). Create these first
# (`terraform apply -target=aws_ecr_repository.images`), push, then apply the rest.
locals {
  images = toset(["gateway", "sessions", "uploads", "web"])
}

resource "aws_ecr_repository" "images" {
  for_each             = local.images
  name                 = "${var.stack}/${each.key}"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "AES256"
  }
}

# Untagged layers from failed pushes go after a week; tagged releases stay (the last 50), so
# rollbacks have something to go back to.
resource "aws_ecr_lifecycle_policy" "images" {
  for_each   = aws_ecr_repository.images
  repository = each.value.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "drop untagged images after 7 days"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "keep the 50 most recent tagged images"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 50 }
        action       = { type = "expire" }
      },
    ]
  })
}
