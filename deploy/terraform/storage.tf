# Uploaded files. The api writes them; the ingestion service reads them (gs://<bucket>/<key>).
resource "google_storage_bucket" "uploads" {
  name                        = local.bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  depends_on                  = [google_project_service.apis]
}

# Sources uploaded by `gcloud builds submit`, readable by the deployer service account.
resource "google_storage_bucket" "build_sources" {
  name                        = "${var.project_id}-docingest-build-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }
  depends_on = [google_project_service.apis]
}

resource "google_artifact_registry_repository" "images" {
  repository_id = local.repository
  location      = var.region
  format        = "DOCKER"
  description   = "docingest service images, built by deploy/cloudbuild.yaml"
  depends_on    = [google_project_service.apis]
}
