#!/usr/bin/env bash
# Writes N Kubernetes manifests (default 10000) into DIR, for bench/k8s.sh:
# mostly Deployments of varied hardening, with Services, ConfigMaps,
# CronJobs, StatefulSets and RBAC, some files holding several documents,
# about 1.5 KB each, as an application repository's deploy/ tree has them.
# The same N gives the same files.
#
# usage: bench/gen_k8s.sh DIR [N]
set -eu
dir=$1 n=${2:-10000}
mkdir -p "$dir"
awk -v dir="$dir" -v n="$n" '
function deployment(f, i, hardened) {
	ns = "team-" (i % 40)
	printf "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-%d\n  namespace: %s\n  labels:\n    app: svc-%d\n    tier: backend\nspec:\n  replicas: %d\n  selector:\n    matchLabels:\n      app: svc-%d\n  template:\n    metadata:\n      labels:\n        app: svc-%d\n    spec:\n", i, ns, i, 1 + i % 5, i, i > f
	if (hardened) printf "      serviceAccountName: svc-%d\n      automountServiceAccountToken: false\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n        seccompProfile:\n          type: RuntimeDefault\n", i > f
	printf "      containers:\n        - name: app\n          image: registry.example.com/%s/svc-%d:%d.%d.%d\n          ports:\n            - containerPort: 8080\n              name: http\n          env:\n            - name: LOG_LEVEL\n              value: info\n            - name: DATABASE_URL\n              value: postgres://svc@db.%s.svc:5432/svc\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: svc-%d-db\n                  key: password\n", ns, i, i % 3, i % 17, i % 9, ns, i > f
	if (hardened) printf "          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [\"ALL\"]\n", i > f
	printf "          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n            limits:\n              cpu: 500m\n              memory: 256Mi\n          livenessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n            periodSeconds: 10\n          readinessProbe:\n            httpGet:\n              path: /ready\n              port: http\n", i > f
}
function service(f, i) {
	printf "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  namespace: team-%d\nspec:\n  selector:\n    app: svc-%d\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n", i, i % 40, i > f
}
function configmap(f, i) {
	printf "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-%d\n  namespace: team-%d\ndata:\n  LOG_FORMAT: json\n  FEATURE_FLAGS: \"search,checkout,recommendations\"\n  application.yaml: |\n    server:\n      port: 8080\n    cache:\n      ttl: 300s\n      size: 1024\n", i, i % 40 > f
}
function cronjob(f, i) {
	printf "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: job-%d\n  namespace: team-%d\nspec:\n  schedule: \"%d 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n            - name: job\n              image: registry.example.com/jobs/job-%d:2.%d.0\n              args: [\"--since\", \"24h\"]\n", i, i % 40, i % 60, i, i % 7 > f
}
function rbac(f, i) {
	printf "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader-%d\n  namespace: team-%d\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"configmaps\", \"pods\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reader-%d\n  namespace: team-%d\nsubjects:\n  - kind: ServiceAccount\n    name: svc-%d\n    namespace: team-%d\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: reader-%d\n", i, i % 40, i, i % 40, i, i % 40, i > f
}
BEGIN {
	for (i = 0; i < n; i++) {
		f = sprintf("%s/m%05d.yaml", dir, i)
		k = i % 10
		if (k < 6) { deployment(f, i, i % 3 != 0); if (k < 3) service(f, i) }
		else if (k == 6) configmap(f, i)
		else if (k == 7) cronjob(f, i)
		else if (k == 8) rbac(f, i)
		else { deployment(f, i, 1); service(f, i) }
		close(f)
	}
}'
