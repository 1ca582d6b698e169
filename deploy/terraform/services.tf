# The two Cloud Run services, as shells: Terraform creates them (so their IAM can be managed
# here) with a placeholder revision, and Cloud Build replaces the revision with the one in
# deploy/cloudrun/<service>.service.yaml. `template` is ignored afterwards, so the manifest stays
# the one definition of image, env, scaling and resources, and `terraform apply` never rolls a
# release back.
resource "google_cloud_run_v2_service" "ingestion" {
  name                = local.ingestion_service
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false

  template {
    service_account = google_service_account.ingestion.email
    containers {
      image = var.placeholder_image
    }
  }

  lifecycle {
    ignore_changes = [template, client, client_version, labels, annotations, traffic]
  }
  depends_on = [google_project_service.apis]
}

resource "google_cloud_run_v2_service" "api" {
  name                = local.api_service
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false

  template {
    service_account = google_service_account.api.email
    containers {
      image = var.placeholder_image
    }
  }

  lifecycle {
    ignore_changes = [template, client, client_version, labels, annotations, traffic]
  }
  depends_on = [google_project_service.apis]
}
