output "ingestion_url" {
  value       = local.ingestion_url
  description = "Deterministic URL of the ingestion service (also its OIDC audience)."
}

output "api_url" {
  value       = local.api_url
  description = "Deterministic URL of the api (also its OIDC audience)."
}

output "sql_connection_name" {
  value = google_sql_database_instance.postgres.connection_name
}

output "bucket" {
  value = google_storage_bucket.uploads.name
}

output "image_repository" {
  value = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}

output "deployer_service_account" {
  value = google_service_account.deployer.id
}

output "build_sources_bucket" {
  value = google_storage_bucket.build_sources.name
}

# Everything deploy/cloudbuild.yaml needs besides the project: paste after --substitutions=.
output "cloudbuild_substitutions" {
  value = join(",", [
    "_REGION=${var.region}",
    "_REPOSITORY=${google_artifact_registry_repository.images.repository_id}",
    "_BUCKET=${google_storage_bucket.uploads.name}",
    "_SQL_INSTANCE=${google_sql_database_instance.postgres.name}",
    "_VPC_CONNECTOR=${google_vpc_access_connector.connector.name}",
  ])
}
