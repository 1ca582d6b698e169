# One identity per service, so each gets only what it uses; and one for Cloud Build.
resource "google_service_account" "ingestion" {
  account_id   = "docingest-ingestion"
  display_name = "docingest ingestion service (Cloud Run)"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "api" {
  account_id   = "docingest-api"
  display_name = "docingest api (Cloud Run)"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "deployer" {
  account_id   = "docingest-deployer"
  display_name = "docingest Cloud Build: tests, images, Cloud Run deploys"
  depends_on   = [google_project_service.apis]
}
