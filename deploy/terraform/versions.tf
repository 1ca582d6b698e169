# Infrastructure of the docingest deployment on Google Cloud. Terraform owns everything but the
# Cloud Run revisions: those come from deploy/cloudrun/*.service.yaml, applied by Cloud Build
# (see services.tf for how the two meet).
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
  # The state holds generated secrets (database password, admin key, Redis AUTH string), so it
  # lives in a private bucket, never on a laptop or in the repository:
  #   terraform init -backend-config="bucket=<state bucket>" -backend-config="prefix=docingest"
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}
