# Who may do what. Nothing is public unless var.api_allow_unauthenticated says so.

# --- calls between the services (Cloud Run checks the ID token before the app does) ---
resource "google_cloud_run_v2_service_iam_member" "api_invokes_ingestion" {
  name     = google_cloud_run_v2_service.ingestion.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.api.email}"
}

resource "google_cloud_run_v2_service_iam_member" "ingestion_calls_back_api" {
  name     = google_cloud_run_v2_service.api.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.ingestion.email}"
}

resource "google_cloud_run_v2_service_iam_member" "api_invokers" {
  for_each = toset(var.api_invokers)
  name     = google_cloud_run_v2_service.api.name
  location = var.region
  role     = "roles/run.invoker"
  member   = each.value
}

resource "google_cloud_run_v2_service_iam_member" "api_public" {
  count    = var.api_allow_unauthenticated ? 1 : 0
  name     = google_cloud_run_v2_service.api.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# --- the uploads bucket: the api writes (and deletes), the ingestion service only reads ---
resource "google_storage_bucket_iam_member" "api_writes_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.api.email}"
}

resource "google_storage_bucket_iam_member" "ingestion_reads_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.ingestion.email}"
}

# --- Cloud SQL through the Auth Proxy socket ---
resource "google_project_iam_member" "cloudsql_client" {
  for_each = {
    api       = google_service_account.api.email
    ingestion = google_service_account.ingestion.email
  }
  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = "serviceAccount:${each.value}"
}

# --- Vertex AI embeddings (embedding_provider google), called with the service's own identity ---
resource "google_project_iam_member" "ingestion_embeds_with_vertex" {
  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.ingestion.email}"
}

# --- secrets: each service reads only the ones its manifest mounts (local.secret_readers) ---
resource "google_secret_manager_secret_iam_member" "readers" {
  for_each = {
    for pair in flatten([
      for service, secrets in local.secret_readers : [
        for secret in secrets : { service = service, secret = secret }
      ]
    ]) : "${pair.service}-${pair.secret}" => pair
  }
  secret_id = google_secret_manager_secret.secrets[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${each.value.service == "api" ? google_service_account.api.email : google_service_account.ingestion.email}"
}

# --- Cloud Build's deployer: push images, deploy revisions that run as the two identities ---
resource "google_project_iam_member" "deployer" {
  for_each = toset([
    "roles/run.developer",
    "roles/logging.logWriter",
  ])
  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_artifact_registry_repository_iam_member" "deployer_pushes_images" {
  repository = google_artifact_registry_repository.images.name
  location   = var.region
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_storage_bucket_iam_member" "deployer_reads_sources" {
  bucket = google_storage_bucket.build_sources.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.deployer.email}"
}

# A revision runs as its service account; deploying it needs actAs on that account.
resource "google_service_account_iam_member" "deployer_acts_as" {
  for_each = {
    api       = google_service_account.api.name
    ingestion = google_service_account.ingestion.name
  }
  service_account_id = each.value
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.deployer.email}"
}
