# Names shared with the manifests (deploy/cloudrun/*.service.yaml) and deploy/cloudbuild.yaml;
# deploy/checks fails if they drift apart.
locals {
  ingestion_service = "docingest-ingestion"
  api_service       = "docingest-api"
  sql_instance      = "docingest-pg"
  vpc_connector     = "docingest-connector"
  repository        = "docingest"
  bucket            = var.bucket_name != "" ? var.bucket_name : "${var.project_id}-docingest-uploads"

  # Cloud Run's deterministic URLs (https://<service>-<project number>.<region>.run.app) are
  # known before the services exist, which breaks the cycle api URL <-> ingestion URL.
  ingestion_url = "https://${local.ingestion_service}-${data.google_project.this.number}.${var.region}.run.app"
  api_url       = "https://${local.api_service}-${data.google_project.this.number}.${var.region}.run.app"
}

resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "compute.googleapis.com",
    "iam.googleapis.com",
    "redis.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "sqladmin.googleapis.com",
    "storage.googleapis.com",
    "vpcaccess.googleapis.com",
  ])
  service = each.value
  # Other things in the project may use them too.
  disable_on_destroy = false
}
