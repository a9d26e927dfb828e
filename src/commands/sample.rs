//! The reference sample app (API + worker + Redis), embedded in the binary.
//! The files live at this repository's top level (`docker/`, `kubernetes/`, `sample/`);
//! `release demo` (and `release init`) write them into a project.

/// (path in the project, contents).
pub const FILES: &[(&str, &str)] = &[
    ("docker/Dockerfile.api", include_str!("../../docker/Dockerfile.api")),
    ("docker/Dockerfile.wrk", include_str!("../../docker/Dockerfile.wrk")),
    ("requirements.txt", include_str!("../../sample/requirements.txt")),
    ("src/api.py", include_str!("../../sample/src/api.py")),
    ("src/worker.py", include_str!("../../sample/src/worker.py")),
    (
        "kubernetes/test/api-deployment.yml",
        include_str!("../../kubernetes/test/api-deployment.yml"),
    ),
    (
        "kubernetes/test/api-service.yml",
        include_str!("../../kubernetes/test/api-service.yml"),
    ),
    (
        "kubernetes/test/db-deployment.yml",
        include_str!("../../kubernetes/test/db-deployment.yml"),
    ),
    (
        "kubernetes/test/db-pvc.yml",
        include_str!("../../kubernetes/test/db-pvc.yml"),
    ),
    (
        "kubernetes/test/db-service.yml",
        include_str!("../../kubernetes/test/db-service.yml"),
    ),
    (
        "kubernetes/test/wrk-deployment.yml",
        include_str!("../../kubernetes/test/wrk-deployment.yml"),
    ),
    (
        "kubernetes/prod/api-deployment.yml",
        include_str!("../../kubernetes/prod/api-deployment.yml"),
    ),
    (
        "kubernetes/prod/api-service.yml",
        include_str!("../../kubernetes/prod/api-service.yml"),
    ),
    (
        "kubernetes/prod/db-deployment.yml",
        include_str!("../../kubernetes/prod/db-deployment.yml"),
    ),
    (
        "kubernetes/prod/db-pvc.yml",
        include_str!("../../kubernetes/prod/db-pvc.yml"),
    ),
    (
        "kubernetes/prod/db-service.yml",
        include_str!("../../kubernetes/prod/db-service.yml"),
    ),
    (
        "kubernetes/prod/wrk-deployment.yml",
        include_str!("../../kubernetes/prod/wrk-deployment.yml"),
    ),
];
