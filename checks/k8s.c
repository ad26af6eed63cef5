/*
 * The k8s.* rule family (see k8s_checks.h): CIS Kubernetes Benchmark 1.10
 * section 5 (RBAC 5.1, pod security 5.2, network policies 5.3, secrets
 * 5.4, general policies 5.7) and hardening beyond it (probes, resources,
 * image tags). Each finding names the object as Kind/namespace/name (an
 * unset namespace reads "default", where kubectl applies it by default),
 * the container when there is one, and points at the offending key, or at
 * the container or object when the key is missing.
 *
 * Secret values never leave in clear: messages name keys, evidence is
 * redacted, and the secret's SHA-256 is carried alongside.
 */
#include "k8s_checks.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "secretname.h"
#include "util.h"

#define R_CLUSTER_ADMIN "k8s.rbac-cluster-admin-binding"
#define R_SECRETS_ACCESS "k8s.rbac-secrets-access"
#define R_WILDCARD "k8s.rbac-wildcard"
#define R_POD_CREATE "k8s.rbac-pod-create"
#define R_DEFAULT_SA "k8s.rbac-default-service-account"
#define R_AUTOMOUNT "k8s.automount-service-account-token"
#define R_SYSTEM_MASTERS "k8s.rbac-system-masters"
#define R_ESCALATION "k8s.rbac-escalation-verbs"
#define R_PV_CREATE "k8s.rbac-pv-create"
#define R_NODE_PROXY "k8s.rbac-node-proxy"
#define R_CSR "k8s.rbac-csr-approval"
#define R_WEBHOOK "k8s.rbac-webhook-config"
#define R_TOKEN_CREATE "k8s.rbac-token-create"
#define R_PRIVILEGED "k8s.privileged"
#define R_HOST_PID "k8s.host-pid"
#define R_HOST_IPC "k8s.host-ipc"
#define R_HOST_NETWORK "k8s.host-network"
#define R_PRIV_ESCALATION "k8s.allow-privilege-escalation"
#define R_RUN_AS_ROOT "k8s.run-as-root"
#define R_NET_RAW "k8s.capability-net-raw"
#define R_CAPS_ADDED "k8s.capabilities-added"
#define R_CAPS_NOT_DROPPED "k8s.capabilities-not-dropped"
#define R_HOST_PROCESS "k8s.windows-host-process"
#define R_HOST_PATH "k8s.host-path"
#define R_HOST_PORT "k8s.host-port"
#define R_PSA "k8s.pod-security-admission"
#define R_NETPOL_MISSING "k8s.network-policy-missing"
#define R_NETPOL_OPEN "k8s.network-policy-open-egress"
#define R_SECRET_ENV "k8s.secret-as-env"
#define R_SECRET_LITERAL "k8s.secret-literal-env"
#define R_SECRET_MANIFEST "k8s.secret-manifest"
#define R_CONFIGMAP_SECRET "k8s.configmap-secret"
#define R_SECCOMP "k8s.seccomp-profile"
#define R_NO_SECURITY_CONTEXT "k8s.security-context-missing"
#define R_DEFAULT_NAMESPACE "k8s.default-namespace"
#define R_READ_ONLY_ROOT "k8s.read-only-root-fs"
#define R_LIMITS "k8s.resource-limits"
#define R_REQUESTS "k8s.resource-requests"
#define R_LIVENESS "k8s.liveness-probe"
#define R_READINESS "k8s.readiness-probe"
#define R_TAG_LATEST "k8s.image-tag-latest"
#define R_NOT_PINNED "k8s.image-not-pinned"
#define R_SA_DEFAULT "k8s.service-account-default"

#define CIS "CIS Kubernetes Benchmark 1.10 "

static const struct rule k8s_rules[] = {
	/* ---- 5.1 RBAC and service accounts */
	{R_CLUSTER_ADMIN, "cluster-admin bound to a user, group or service account", SEV_HIGH,
	 "A RoleBinding or ClusterRoleBinding grants the cluster-admin ClusterRole to a subject other than the "
	 "built-in system: users and groups. cluster-admin may do anything to every object of the cluster, so "
	 "whoever holds that subject's credentials (a person, or any pod running as the service account) owns "
	 "the cluster. High, not critical: the subject's credentials must still be obtained.",
	 "Bind a Role or ClusterRole that grants only what the subject needs; keep cluster-admin for break-glass "
	 "access.",
	 CIS "5.1.1\nISO/IEC 27001:2022 A.8.2\nSOC 2 CC6.3"},
	{R_SECRETS_ACCESS, "Role can read Secrets", SEV_MEDIUM,
	 "A Role or ClusterRole allows get, list or watch on secrets in the core API group (directly or "
	 "through a wildcard). list and watch return every value in the namespace, or the cluster for a "
	 "ClusterRole bound cluster-wide. Medium: controllers often need some of this, so each grant needs a "
	 "review rather than removal; the message names who it is bound to in the scanned files.",
	 "Grant get on named Secrets (resourceNames) instead of list/watch on all of them, or mount the Secret "
	 "into the workload that needs it.",
	 CIS "5.1.2\nISO/IEC 27001:2022 A.8.3"},
	{R_WILDCARD, "Wildcard in a Role", SEV_MEDIUM,
	 "A Role or ClusterRole rule uses `*` in apiGroups, resources or verbs. A wildcard grants every "
	 "present and future resource or verb, including ones (escalate, impersonate, new CRDs) nobody meant "
	 "to grant. Medium: the impact depends on what the wildcard covers; the specific k8s.rbac-* rules "
	 "report the dangerous grants it implies.",
	 "List the apiGroups, resources and verbs the subject needs.", CIS "5.1.3\nISO/IEC 27001:2022 A.8.2"},
	{R_POD_CREATE, "Role can create Pods", SEV_MEDIUM,
	 "A Role or ClusterRole allows create on pods (or through a wildcard). Whoever can create a pod in a "
	 "namespace can run it with any service account, Secret or hostPath the namespace's admission allows, "
	 "and so reach all of them. Medium: many deployers need it; it is an escalation path to review.",
	 "Let controllers (Deployments, Jobs) create pods, and grant people and CI create on those instead.",
	 CIS "5.1.4\nISO/IEC 27001:2022 A.8.2"},
	{R_DEFAULT_SA, "Default service account in use", SEV_MEDIUM,
	 "A namespace's `default` ServiceAccount does not set automountServiceAccountToken: false, or a "
	 "RoleBinding or ClusterRoleBinding grants it permissions. Every pod that names no service account "
	 "runs as `default`, so its rights and its token reach all of them.",
	 "Set automountServiceAccountToken: false on the default ServiceAccount, grant it nothing, and give "
	 "each workload its own ServiceAccount.",
	 CIS "5.1.5\nISO/IEC 27001:2022 A.8.2"},
	{R_AUTOMOUNT, "Service account token mounted", SEV_MEDIUM,
	 "A pod spec mounts its service account token: automountServiceAccountToken is true, or unset while "
	 "its ServiceAccount (when it is in the scanned files) does not set it to false. Code execution in the "
	 "pod then yields an API credential. Medium: what the token allows depends on the account's roles.",
	 "Set automountServiceAccountToken: false on the pod spec or the ServiceAccount unless the workload "
	 "calls the Kubernetes API.",
	 CIS "5.1.6\nISO/IEC 27001:2022 A.8.2"},
	{R_SYSTEM_MASTERS, "Binding to the system:masters group", SEV_HIGH,
	 "A binding names the Group system:masters. Membership of that group bypasses RBAC altogether and "
	 "cannot be revoked by deleting bindings; a binding that names it shows the group is in use.",
	 "Remove the subject and issue credentials for a user or group bound to a least-privilege role.",
	 CIS "5.1.7\nISO/IEC 27001:2022 A.8.2"},
	{R_ESCALATION, "Role can bind, escalate or impersonate", SEV_HIGH,
	 "A Role or ClusterRole allows bind or escalate on roles and clusterroles, or impersonate on users, "
	 "groups or service accounts (directly or through a wildcard). Each lets its holder obtain permissions "
	 "it was not granted. High: it is a direct privilege escalation.",
	 "Remove these verbs; RBAC administration belongs to a small, audited group.",
	 CIS "5.1.8\nISO/IEC 27001:2022 A.8.2"},
	{R_PV_CREATE, "Role can create PersistentVolumes", SEV_MEDIUM,
	 "A Role or ClusterRole allows create on persistentvolumes. A PersistentVolume can be a hostPath, so "
	 "this grants a way to mount node directories. Medium: storage administrators need it; review who holds "
	 "it.",
	 "Provision volumes through StorageClasses and PersistentVolumeClaims instead.",
	 CIS "5.1.9\nISO/IEC 27001:2022 A.8.2"},
	{R_NODE_PROXY, "Role can use nodes/proxy", SEV_HIGH,
	 "A Role or ClusterRole grants access to the nodes/proxy subresource, which reaches the kubelet API "
	 "directly (exec into any pod on the node) and bypasses admission and audit logging. High: it is "
	 "command execution on every node.",
	 "Remove nodes/proxy; monitoring agents need nodes/metrics or nodes/stats only.",
	 CIS "5.1.10\nISO/IEC 27001:2022 A.8.2"},
	{R_CSR, "Role can approve certificate signing requests", SEV_HIGH,
	 "A Role or ClusterRole allows update or patch on certificatesigningrequests/approval. Approving a "
	 "request for a client certificate lets its holder mint credentials for any user or group, "
	 "system:masters included. High: it is an escalation to cluster-admin.",
	 "Leave CSR approval to the controller manager and a small administrative group.",
	 CIS "5.1.11\nISO/IEC 27001:2022 A.8.2"},
	{R_WEBHOOK, "Role can change admission webhooks", SEV_HIGH,
	 "A Role or ClusterRole allows create, update, patch or delete on validating or mutating webhook "
	 "configurations. Its holder can switch off admission policy, or send every object to a webhook it "
	 "controls, reading and changing them. High: it undoes the cluster's policy controls.",
	 "Keep webhook configuration with the cluster administrators.", CIS "5.1.12\nISO/IEC 27001:2022 A.8.2"},
	{R_TOKEN_CREATE, "Role can create service account tokens", SEV_MEDIUM,
	 "A Role or ClusterRole allows create on serviceaccounts/token: its holder can mint long-lived tokens "
	 "for any service account in scope and act as it. Medium: the damage is bounded by those accounts' "
	 "roles.",
	 "Remove the permission; workloads get tokens through projected volumes.",
	 CIS "5.1.13\nISO/IEC 27001:2022 A.8.2"},
	/* ---- 5.2 pod security */
	{R_PRIVILEGED, "Privileged container", SEV_HIGH,
	 "A container sets securityContext.privileged: true. It sees every host device and has every "
	 "capability: root in it is root on the node. High, not critical: an attacker first needs code "
	 "execution in the container, after which the node is theirs.",
	 "Remove privileged: true; add the one capability the workload needs, or move the work to a node "
	 "agent with a narrow interface.",
	 CIS "5.2.2\nISO/IEC 27001:2022 A.8.9"},
	{R_HOST_PID, "Pod shares the host's process namespace", SEV_HIGH,
	 "hostPID: true lets the pod see every process on the node, read their environments and, with ptrace "
	 "or a root user, enter them. High: it exposes every workload on the node.",
	 "Remove hostPID.", CIS "5.2.3\nISO/IEC 27001:2022 A.8.9"},
	{R_HOST_IPC, "Pod shares the host's IPC namespace", SEV_MEDIUM,
	 "hostIPC: true gives the pod the node's System V shared memory and semaphores, where other processes "
	 "may keep data. Medium: less direct than sharing processes or the network.",
	 "Remove hostIPC.", CIS "5.2.4\nISO/IEC 27001:2022 A.8.9"},
	{R_HOST_NETWORK, "Pod shares the host's network namespace", SEV_HIGH,
	 "hostNetwork: true puts the pod on the node's interfaces: it can reach node-local services (the "
	 "kubelet, cloud metadata), listen on any port, see other pods' traffic, and NetworkPolicies do not "
	 "apply to it. High.",
	 "Remove hostNetwork and expose the pod through a Service.", CIS "5.2.5\nISO/IEC 27001:2022 A.8.20"},
	{R_PRIV_ESCALATION, "Container allows privilege escalation", SEV_MEDIUM,
	 "allowPrivilegeEscalation is not set to false. The default lets a process gain more privileges than "
	 "its parent (setuid binaries, file capabilities). Medium: it needs a setuid path in the image.",
	 "Set securityContext.allowPrivilegeEscalation: false on every container.",
	 CIS "5.2.6\nISO/IEC 27001:2022 A.8.9"},
	{R_RUN_AS_ROOT, "Container may run as root", SEV_MEDIUM,
	 "The container sets runAsUser: 0, runAsNonRoot: false, or neither runAsNonRoot: true nor a non-zero "
	 "runAsUser (pod or container level), so it runs as the image's user, often root. Medium: root in a "
	 "container is a short step from the node when any other control slips.",
	 "Set runAsNonRoot: true and a non-zero runAsUser (pod securityContext), and build the image with a "
	 "USER.",
	 CIS "5.2.7\nISO/IEC 27001:2022 A.8.9"},
	{R_NET_RAW, "Container keeps NET_RAW", SEV_MEDIUM,
	 "The container does not drop NET_RAW (or ALL), or adds it. Container runtimes grant NET_RAW by "
	 "default; it allows raw packets: ARP and DNS spoofing of other pods on the node.",
	 "Add capabilities.drop: [ALL] (or at least NET_RAW).", CIS "5.2.8\nISO/IEC 27001:2022 A.8.9"},
	{R_CAPS_ADDED, "Container adds capabilities", SEV_MEDIUM,
	 "securityContext.capabilities.add names capabilities beyond the runtime's default set. Some "
	 "(SYS_ADMIN, SYS_PTRACE, SYS_MODULE, NET_ADMIN) are nearly as strong as privileged. Medium: the "
	 "message names them so that the strong ones stand out.",
	 "Remove added capabilities, or keep only one the workload provably needs (NET_BIND_SERVICE).",
	 CIS "5.2.9\nISO/IEC 27001:2022 A.8.9"},
	{R_CAPS_NOT_DROPPED, "Container does not drop all capabilities", SEV_LOW,
	 "capabilities.drop does not include ALL, so the container keeps the runtime's default set "
	 "(CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, NET_RAW...). Low: each is a small step for an attacker "
	 "inside the container.",
	 "Add capabilities.drop: [ALL] and add back only what is needed.", CIS "5.2.10\nISO/IEC 27001:2022 A.8.9"},
	{R_HOST_PROCESS, "Windows HostProcess container", SEV_HIGH,
	 "securityContext.windowsOptions.hostProcess: true runs the container as a process on the Windows node "
	 "with the node's access. High: it is the Windows equivalent of privileged.",
	 "Remove hostProcess; run node agents as DaemonSets with the least access they need.",
	 CIS "5.2.11\nISO/IEC 27001:2022 A.8.9"},
	{R_HOST_PATH, "Pod mounts a hostPath volume", SEV_MEDIUM,
	 "A volume of type hostPath mounts a directory of the node into the pod. Writable paths let the pod "
	 "change the node; paths such as /, /etc, /var/run/docker.sock or /var/lib/kubelet hand it the node. "
	 "Medium: the message names the path, which decides how bad it is.",
	 "Use emptyDir, a ConfigMap, or a PersistentVolumeClaim; if a node path is unavoidable, mount it "
	 "readOnly.",
	 CIS "5.2.12\nISO/IEC 27001:2022 A.8.9"},
	{R_HOST_PORT, "Container uses a host port", SEV_MEDIUM,
	 "ports[].hostPort binds the container to a port on the node's own addresses: it bypasses Services and "
	 "NetworkPolicies and limits scheduling to one such pod per node.",
	 "Remove hostPort and expose the port through a Service.", CIS "5.2.13\nISO/IEC 27001:2022 A.8.20"},
	{R_PSA, "Namespace without Pod Security Admission enforcement", SEV_MEDIUM,
	 "A Namespace has no pod-security.kubernetes.io/enforce label (or enforces `privileged`, which "
	 "allows everything), and the scanned files hold no other admission control for pods (a validating "
	 "webhook or ValidatingAdmissionPolicy on pod creation, Kyverno or Gatekeeper policies; a mutating "
	 "webhook such as a sidecar injector judges nothing). Nothing then stops a privileged pod in it.",
	 "Label the namespace pod-security.kubernetes.io/enforce: restricted (or baseline).",
	 CIS "5.2.1\nISO/IEC 27001:2022 A.8.9"},
	/* ---- 5.3 network policies */
	{R_NETPOL_MISSING, "Namespace without a NetworkPolicy", SEV_MEDIUM,
	 "A namespace that runs workloads in the scanned files, or that they declare, has no NetworkPolicy in "
	 "them (nor a CiliumNetworkPolicy, nor a Cilium or Calico cluster-wide policy selecting every pod), so "
	 "every pod accepts traffic from every other pod of the cluster and may reach anything. An unset "
	 "namespace counts as default.",
	 "Add a default-deny NetworkPolicy to the namespace and allow the flows each workload needs.",
	 CIS "5.3.2\nISO/IEC 27001:2022 A.8.22\nSOC 2 CC6.6"},
	{R_NETPOL_OPEN, "NetworkPolicy allows any peer on any port", SEV_MEDIUM,
	 "A NetworkPolicy egress rule with no `to` (or `to: []`, or an ipBlock of 0.0.0.0/0 or ::/0) and no "
	 "ports, or an ingress rule with the same openness in `from`: the policy selects the pods but lets "
	 "all traffic through in that direction. Rules limited to ports (DNS on 53) are not reported.",
	 "Name the peers (podSelector, namespaceSelector, narrow ipBlocks) and the ports.",
	 CIS "5.3.2\nISO/IEC 27001:2022 A.8.22"},
	/* ---- 5.4 secrets */
	{R_SECRET_ENV, "Secret passed in an environment variable", SEV_LOW,
	 "env[].valueFrom.secretKeyRef or envFrom[].secretRef puts a Secret into the process environment, "
	 "which child processes inherit and crash reports, debug endpoints and logs tend to print. Low: it is "
	 "a common practice and CIS lists it at level 2.",
	 "Mount the Secret as a file (a secret volume) and read it from there.",
	 CIS "5.4.1\nISO/IEC 27001:2022 A.5.17"},
	{R_SECRET_LITERAL, "Literal secret in an environment variable", SEV_HIGH,
	 "env[].value holds what looks like a real secret under a secret-named variable (PASSWORD, TOKEN, "
	 "API_KEY...): the secret is in the manifest, so in git and in every copy of it. High: it is a "
	 "committed credential. References ($(VAR)), flags and placeholders are not reported.",
	 "Move the value to a Secret (created from the secret manager) and reference it; rotate it.",
	 CIS "5.4.1\nISO/IEC 27001:2022 A.5.17\nSOC 2 CC6.1"},
	{R_SECRET_MANIFEST, "Secret manifest with data committed", SEV_HIGH,
	 "A Secret object carries data or stringData. base64 is an encoding, not encryption: whoever reads "
	 "the repository reads the secret. The message names the keys, and which of them the secrets engine "
	 "recognises as credentials. High: it is a committed credential.",
	 "Keep Secrets out of git: create them from a secret manager (External Secrets, Sealed Secrets, SOPS), "
	 "and rotate what was committed.",
	 CIS "5.4.1\nISO/IEC 27001:2022 A.5.17, A.8.4\nSOC 2 CC6.1"},
	{R_CONFIGMAP_SECRET, "Secret in a ConfigMap", SEV_HIGH,
	 "A ConfigMap key holds a secret: a secret-named key with a real-looking value, or a value the secrets "
	 "engine recognises. ConfigMaps are readable by far more subjects than Secrets and are never "
	 "encrypted at rest. High: it is a committed and widely readable credential.",
	 "Move the value to a Secret and rotate it.", CIS "5.4.1\nISO/IEC 27001:2022 A.5.17"},
	/* ---- 5.7 general policies */
	{R_SECCOMP, "No seccomp profile", SEV_MEDIUM,
	 "The container has no seccompProfile of type RuntimeDefault or Localhost (its own, the pod's, or "
	 "the legacy annotation), or sets Unconfined. Kubernetes runs containers unconfined by default, "
	 "leaving every system call, and the kernel bugs behind them, open.",
	 "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.", CIS "5.7.2\nISO/IEC 27001:2022 A.8.9"},
	{R_NO_SECURITY_CONTEXT, "No securityContext", SEV_LOW,
	 "Neither the pod nor the container sets a securityContext: every setting is the permissive default. "
	 "Low on its own; the specific rules say which defaults matter.",
	 "Set a pod securityContext (runAsNonRoot, seccompProfile) and a container securityContext "
	 "(allowPrivilegeEscalation: false, readOnlyRootFilesystem, capabilities.drop: [ALL]).",
	 CIS "5.7.3\nISO/IEC 27001:2022 A.8.9"},
	{R_DEFAULT_NAMESPACE, "Object in the default namespace", SEV_LOW,
	 "A namespaced object sets namespace: default, or no namespace (kubectl then applies it to the "
	 "context's namespace, usually default). The default namespace mixes unrelated workloads and is "
	 "where policies are least often applied. The API server's own `kubernetes` Service and Endpoints "
	 "are not reported.",
	 "Give each application its own namespace.", CIS "5.7.4\nISO/IEC 27001:2022 A.8.22"},
	/* ---- hardening beyond CIS */
	{R_READ_ONLY_ROOT, "Writable root filesystem", SEV_LOW,
	 "readOnlyRootFilesystem is not true: an attacker in the container can replace binaries and drop "
	 "tools.",
	 "Set readOnlyRootFilesystem: true and mount emptyDir volumes where the application writes.",
	 "NSA/CISA Kubernetes Hardening Guide (immutable containers)\nISO/IEC 27001:2022 A.8.9"},
	{R_LIMITS, "No CPU or memory limit", SEV_LOW,
	 "A container has no resources.limits.cpu or resources.limits.memory: one runaway or attacked pod can "
	 "starve the node. Low: it is about availability, not confidentiality.",
	 "Set resources.limits.memory and resources.limits.cpu.", "CIS Docker Benchmark 1.6.0 5.11, 5.12\nISO/IEC 27001:2022 A.8.6"},
	{R_REQUESTS, "No CPU or memory request", SEV_LOW,
	 "A container has no resources.requests.cpu or resources.requests.memory, so the scheduler places it "
	 "blind and it is the first evicted under pressure.",
	 "Set resources.requests.cpu and resources.requests.memory.", "ISO/IEC 27001:2022 A.8.6"},
	{R_LIVENESS, "No liveness probe", SEV_LOW,
	 "A long-running container has no livenessProbe: a hung process keeps its pod Running. Jobs, CronJobs "
	 "and pods that are not restarted are not reported.",
	 "Add a livenessProbe that fails when the process cannot recover.",
	 "CIS Docker Benchmark 1.6.0 5.27\nISO/IEC 27001:2022 A.8.6"},
	{R_READINESS, "No readiness probe", SEV_LOW,
	 "A long-running container has no readinessProbe: Services send it traffic before it can serve.",
	 "Add a readinessProbe.", "ISO/IEC 27001:2022 A.8.6"},
	{R_TAG_LATEST, "Image without a tag or with :latest", SEV_MEDIUM,
	 "The container image has no tag and no digest, or the tag latest: what runs changes with every "
	 "push and no one can say which version was deployed or roll back to it.",
	 "Use a version tag, and better a digest (image@sha256:...).",
	 "CIS Docker Benchmark 1.6.0 5.28\nISO/IEC 27001:2022 A.8.32"},
	{R_NOT_PINNED, "Image not pinned to a digest", SEV_LOW,
	 "The container image is referenced by tag, not by a valid digest (the OCI grammar; sha256, sha512 and "
	 "blake3 with their exact length of lower-case hex): a tag can be moved to other content by anyone who "
	 "can push to the registry. Low: tags of trusted registries rarely move.",
	 "Reference the image as name@sha256:<digest> (a tag may stay before the @ for readers).",
	 "ISO/IEC 27001:2022 A.8.32, A.5.21"},
	{R_SA_DEFAULT, "Pod runs as the default service account", SEV_LOW,
	 "The pod spec sets no serviceAccountName (or `default`): it shares the namespace's default account "
	 "and every permission anyone granted to it.",
	 "Create a ServiceAccount per workload and set serviceAccountName.", CIS "5.1.5\nISO/IEC 27001:2022 A.8.2"},
};

const struct rule_family k8s_rule_family = {"k8s", k8s_rules, ARRAY_LEN(k8s_rules), 0};

/* ---- state across objects -------------------------------------------- */

/* Where a finding will point, copied out of its document. */
struct k8s_place {
	char *target, *path, *who;
	unsigned line, column;
};

/* A dangerous grant found in a Role or ClusterRole, reported at the end
 * with the subjects bound to it. */
struct role_grant {
	struct k8s_place at;
	const char *rule;
	char *message, *identity, *evidence;
	bool cluster;     /* ClusterRole */
	char *ns, *name;  /* the role */
};

struct role_binding {
	char *who;        /* RoleBinding/ns/name */
	char *ns;         /* of the binding ("" for ClusterRoleBinding) */
	bool role_cluster;
	char *role_name;
	char *subjects;   /* "User jane, ServiceAccount shop/api" */
};

struct service_account {
	char *ns, *name;
	int automount; /* -1 unset, 0 false, 1 true */
};

/* A pod spec that leaves automountServiceAccountToken to its account. */
struct automount_pending {
	struct k8s_place at;
	char *ns, *account;
};

struct namespace_info {
	char *name;
	unsigned workloads;
	char *first_workload;
	struct k8s_place workload_at;
	bool has_policy;
	bool has_object;
	struct k8s_place object_at;
	char *enforce; /* the PSA enforce label, or NULL */
	unsigned enforce_line, enforce_column;
};

struct k8s_checks {
	struct role_grant *grants;
	size_t n_grants;
	struct role_binding *bindings;
	size_t n_bindings;
	struct service_account *accounts;
	size_t n_accounts;
	struct automount_pending *pending;
	size_t n_pending;
	struct namespace_info *namespaces;
	size_t n_namespaces;
	char *policy_engine; /* what in the scanned files admits pods, or NULL */
	char *cluster_policy; /* a cluster-wide network policy selecting every pod, or NULL */
};

/* Grows an array by one element, doubling its capacity at powers of two. */
#define PUSH(arr, n) (((n) & ((n) - 1)) == 0 ? (void)((arr) = xrealloc((arr), ((n) ? 2 * (n) : 1) * sizeof(*(arr)))) \
					       : (void)0, &(arr)[(n)++])

struct k8s_checks *k8s_checks_begin(void)
{
	return xcalloc(1, sizeof(struct k8s_checks));
}

/* ---- finding helpers --------------------------------------------------- */

static const char *effective_namespace(const struct k8s_object *o)
{
	return o->namespace ? o->namespace : "default";
}

static bool is_cluster_scoped(const char *kind)
{
	static const char *const kinds[] = {
		"Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
		"CustomResourceDefinition", "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration",
		"MutatingWebhookConfiguration", "APIService", "CSIDriver", "CSINode", "RuntimeClass", "IngressClass",
		"PodSecurityPolicy", "CertificateSigningRequest", "ValidatingAdmissionPolicy",
		"ValidatingAdmissionPolicyBinding", "VolumeAttachment", "ClusterIssuer", "ClusterPolicy",
		"ConstraintTemplate", "FlowSchema", "PriorityLevelConfiguration",
	};

	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

/* "Deployment/shop/web", "ClusterRole/view". */
static void object_who(const struct k8s_object *o, char *out, size_t n)
{
	const char *name = *o->name ? o->name : "(unnamed)";

	if (is_cluster_scoped(o->kind))
		snprintf(out, n, "%s/%s", o->kind, name);
	else
		snprintf(out, n, "%s/%s/%s", o->kind, effective_namespace(o), name);
}

struct k8s_ctx {
	struct scan *s;
	struct k8s_checks *c;
	const struct k8s_object *o;
	char who[320];
};

static void emit_at(struct scan *s, const char *rule, const char *target, const char *path, unsigned line,
		    unsigned column, const char *message, const char *evidence, const char *secret_hash,
		    const char *identity)
{
	const struct rule *r = registry_find(rule);
	struct finding f = {
		.rule = rule,
		.severity = r ? r->severity : SEV_MEDIUM,
		.target = target,
		.path = path,
		.line = line,
		.column = column,
		.message = message,
		.evidence = evidence,
		.secret_hash = secret_hash,
		.identity = identity,
	};
	scan_emit(s, &f);
}

/* A finding about the object, or a container of it (container NULL for the
 * pod or the object), at node `at` (the object itself when NULL). The
 * identity is who, container and `key` (what was found, not where), so the
 * finding survives moved lines. */
static void emit(struct k8s_ctx *x, const char *rule, const struct yaml_node *at, const char *container,
		 const char *key, const char *evidence, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void emit(struct k8s_ctx *x, const char *rule, const struct yaml_node *at, const char *container,
		 const char *key, const char *evidence, const char *fmt, ...)
{
	struct buf msg, identity;
	va_list ap;

	/* sized for most messages: one allocation each */
	buf_init_sized(&msg, 256);
	buf_init_sized(&identity, 128);
	buf_puts(&msg, x->who);
	if (container)
		buf_printf(&msg, " container %s", container);
	buf_puts(&msg, ": ");
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	buf_printf(&identity, "%s\n%s\n%s", x->who, container ? container : "", key ? key : "");
	emit_at(x->s, rule, x->o->target, x->o->path, at ? at->line : x->o->line, at ? at->column : x->o->column,
		msg.data, evidence, NULL, identity.data);
	buf_free(&msg);
	buf_free(&identity);
}

static void place_copy(struct k8s_place *p, const struct k8s_ctx *x, const struct yaml_node *at)
{
	p->target = xstrdup(x->o->target);
	p->path = xstrdup(x->o->path);
	p->who = xstrdup(x->who);
	p->line = at ? at->line : x->o->line;
	p->column = at ? at->column : x->o->column;
}

static void place_free(struct k8s_place *p)
{
	free(p->target);
	free(p->path);
	free(p->who);
}

/* The key node of `key` in map, for pointing at it; else the map. */
static const struct yaml_node *key_node(const struct yaml_node *map, const char *key)
{
	const struct yaml_pair *p = yaml_map_find(map, key);

	return p ? p->key : map;
}

static bool is_true(const struct yaml_node *n)
{
	bool v;

	return yaml_scalar_bool(n, &v) && v;
}

static bool is_false(const struct yaml_node *n)
{
	bool v;

	return yaml_scalar_bool(n, &v) && !v;
}

static bool is_empty_collection(const struct yaml_node *n)
{
	return yaml_is_null(n) || (yaml_is_mapping(n) && n->n_pairs == 0) ||
	       (yaml_is_sequence(n) && n->n_items == 0);
}

/* ---- pod specs ----------------------------------------------------------- */

struct pod_ctx {
	const struct yaml_node *spec, *sc, *metadata; /* pod spec, its securityContext, template metadata */
	bool runs_to_completion; /* Job, CronJob, or a pod that is not restarted: no probes */
};

struct container_ctx {
	const struct yaml_node *node, *sc;
	const char *name;
	const char *list; /* containers | initContainers | ephemeralContainers */
};

/* The securityContext setting the container gets: its own, else the
 * pod's (for the settings a pod securityContext may carry). */
static const struct yaml_pair *sc_setting(const struct container_ctx *k, const struct pod_ctx *p, const char *key,
					  bool inherited)
{
	const struct yaml_pair *own = yaml_map_find(k->sc, key);

	if (own && !yaml_is_null(own->value))
		return own;
	if (!inherited)
		return NULL;
	own = yaml_map_find(p->sc, key);
	return own && !yaml_is_null(own->value) ? own : NULL;
}

static void check_privileged(struct k8s_ctx *x, const struct container_ctx *k)
{
	const struct yaml_pair *p = yaml_map_find(k->sc, "privileged");

	if (p && is_true(p->value))
		emit(x, R_PRIVILEGED, p->key, k->name, "privileged", "privileged: true",
		     "privileged: true: root in the container is root on the node");
}

static void check_privilege_escalation(struct k8s_ctx *x, const struct container_ctx *k)
{
	const struct yaml_pair *p = yaml_map_find(k->sc, "allowPrivilegeEscalation");

	if (p && is_false(p->value))
		return;
	if (p)
		emit(x, R_PRIV_ESCALATION, p->key, k->name, "allowPrivilegeEscalation",
		     "allowPrivilegeEscalation: true", "allowPrivilegeEscalation is not false");
	else
		emit(x, R_PRIV_ESCALATION, k->node, k->name, "allowPrivilegeEscalation", NULL,
		     "allowPrivilegeEscalation is not set (it defaults to true); set it to false");
}

static void check_run_as_root(struct k8s_ctx *x, const struct container_ctx *k, const struct pod_ctx *p)
{
	const struct yaml_pair *user = sc_setting(k, p, "runAsUser", true);
	const struct yaml_pair *nonroot = sc_setting(k, p, "runAsNonRoot", true);
	long long uid;

	if (user && yaml_scalar_int(user->value, &uid)) {
		if (uid == 0)
			emit(x, R_RUN_AS_ROOT, user->key, k->name, "runAsUser", "runAsUser: 0",
			     "runAsUser: 0 runs the container as root");
		return;
	}
	if (nonroot && is_true(nonroot->value))
		return;
	if (nonroot)
		emit(x, R_RUN_AS_ROOT, nonroot->key, k->name, "runAsNonRoot", "runAsNonRoot: false",
		     "runAsNonRoot: false and no non-zero runAsUser: it may run as root");
	else
		emit(x, R_RUN_AS_ROOT, k->node, k->name, "runAsNonRoot", NULL,
		     "neither runAsNonRoot: true nor a non-zero runAsUser is set: it runs as the image's user, "
		     "often root");
}

/* "cap_net_raw" and "NET_RAW" name the same capability. */
static bool cap_is(const struct yaml_node *n, const char *cap)
{
	const char *v = yaml_scalar_str(n);

	if (!v)
		return false;
	if (strncasecmp(v, "CAP_", 4) == 0)
		v += 4;
	return strcasecmp(v, cap) == 0;
}

static const struct yaml_node *caps_find(const struct yaml_node *list, const char *cap)
{
	for (size_t i = 0; yaml_is_sequence(list) && i < list->n_items; i++)
		if (cap_is(list->items[i], cap))
			return list->items[i];
	return NULL;
}

static void list_scalars(const struct yaml_node *list, char *out, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; yaml_is_sequence(list) && i < list->n_items && used + 1 < n; i++) {
		const char *v = yaml_scalar_str(list->items[i]);
		int w = snprintf(out + used, n - used, "%s%s", used ? ", " : "",
				 v ? (*v ? v : "\"\"") : yaml_is_null(list->items[i]) ? "\"\"" : "?");
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used >= n)
		strcpy(out + n - 4, "...");
}

static void check_capabilities(struct k8s_ctx *x, const struct container_ctx *k)
{
	const struct yaml_node *caps = yaml_map_get(k->sc, "capabilities");
	const struct yaml_pair *add = yaml_map_find(caps, "add"), *drop = yaml_map_find(caps, "drop");
	const struct yaml_node *hit;
	char names[256], ev[300];

	if (add && yaml_is_sequence(add->value) && add->value->n_items) {
		list_scalars(add->value, names, sizeof(names));
		snprintf(ev, sizeof(ev), "add: [%s]", names);
		emit(x, R_CAPS_ADDED, add->key, k->name, names, ev, "adds capabilities %s", names);
	}
	if (!(drop && caps_find(drop->value, "ALL")))
		emit(x, R_CAPS_NOT_DROPPED, drop ? drop->key : k->node, k->name, "drop", NULL,
		     "capabilities.drop does not include ALL: it keeps the runtime's default capabilities");
	hit = add ? caps_find(add->value, "NET_RAW") : NULL;
	hit = hit ? hit : (add ? caps_find(add->value, "ALL") : NULL);
	if (hit)
		emit(x, R_NET_RAW, hit, k->name, "net-raw-added", "add: NET_RAW", "adds NET_RAW (raw packets)");
	else if (!(drop && (caps_find(drop->value, "NET_RAW") || caps_find(drop->value, "ALL"))))
		emit(x, R_NET_RAW, drop ? drop->key : k->node, k->name, "net-raw", NULL,
		     "does not drop NET_RAW (granted by default): it can craft raw packets");
}

static const struct yaml_pair *host_process_setting(const struct yaml_node *sc)
{
	return yaml_map_find(yaml_map_get(sc, "windowsOptions"), "hostProcess");
}

static void check_host_process(struct k8s_ctx *x, const struct container_ctx *k)
{
	const struct yaml_pair *p = host_process_setting(k->sc);

	if (p && is_true(p->value))
		emit(x, R_HOST_PROCESS, p->key, k->name, "hostProcess", "hostProcess: true",
		     "windowsOptions.hostProcess: true runs it as a process on the Windows node");
}

static bool seccomp_type_ok(const char *type)
{
	return type && (strcmp(type, "RuntimeDefault") == 0 || strcmp(type, "Localhost") == 0);
}

static bool seccomp_annotation_ok(const char *v)
{
	return v && (strcmp(v, "runtime/default") == 0 || strcmp(v, "docker/default") == 0 ||
		     str_starts_with(v, "localhost/"));
}

static void check_seccomp(struct k8s_ctx *x, const struct container_ctx *k, const struct pod_ctx *p)
{
	const struct yaml_pair *prof = sc_setting(k, p, "seccompProfile", true);
	const struct yaml_node *annotations = yaml_map_get(p->metadata, "annotations");
	const char *type = prof ? yaml_map_get_str(prof->value, "type") : NULL;
	char key[300];
	const char *legacy;

	if (seccomp_type_ok(type))
		return;
	if (type) {
		emit(x, R_SECCOMP, key_node(prof->value, "type"), k->name, "seccompProfile", type,
		     "seccompProfile.type is %s: every system call is allowed", type);
		return;
	}
	snprintf(key, sizeof(key), "container.seccomp.security.alpha.kubernetes.io/%s", k->name);
	legacy = yaml_map_get_str(annotations, key);
	if (!legacy)
		legacy = yaml_map_get_str(annotations, "seccomp.security.alpha.kubernetes.io/pod");
	if (seccomp_annotation_ok(legacy))
		return;
	emit(x, R_SECCOMP, k->node, k->name, "seccompProfile", NULL,
	     "no seccompProfile (RuntimeDefault or Localhost): it runs without a seccomp filter");
}

static void check_security_context(struct k8s_ctx *x, const struct container_ctx *k, const struct pod_ctx *p)
{
	if (is_empty_collection(k->sc) && is_empty_collection(p->sc))
		emit(x, R_NO_SECURITY_CONTEXT, k->node, k->name, "securityContext", NULL,
		     "neither the pod nor the container sets a securityContext");
}

static void check_read_only_root(struct k8s_ctx *x, const struct container_ctx *k)
{
	const struct yaml_pair *p = yaml_map_find(k->sc, "readOnlyRootFilesystem");

	if (p && is_true(p->value))
		return;
	emit(x, R_READ_ONLY_ROOT, p ? p->key : k->node, k->name, "readOnlyRootFilesystem", NULL,
	     "readOnlyRootFilesystem is not true: its root filesystem is writable");
}

static void check_resources(struct k8s_ctx *x, const struct container_ctx *k)
{
	const struct yaml_pair *res = yaml_map_find(k->node, "resources");
	const struct yaml_node *limits = yaml_map_get(res ? res->value : NULL, "limits");
	const struct yaml_node *requests = yaml_map_get(res ? res->value : NULL, "requests");
	bool lc = !yaml_is_null(yaml_map_get(limits, "cpu")), lm = !yaml_is_null(yaml_map_get(limits, "memory"));
	bool rc = !yaml_is_null(yaml_map_get(requests, "cpu")), rm = !yaml_is_null(yaml_map_get(requests, "memory"));
	const struct yaml_node *at = res ? res->key : k->node;

	if (!lc || !lm)
		emit(x, R_LIMITS, at, k->name, "limits", NULL, "no %s limit",
		     !lc && !lm ? "CPU or memory" : !lc ? "CPU" : "memory");
	if (!rc || !rm)
		emit(x, R_REQUESTS, at, k->name, "requests", NULL, "no %s request",
		     !rc && !rm ? "CPU or memory" : !rc ? "CPU" : "memory");
}

static void check_probes(struct k8s_ctx *x, const struct container_ctx *k, const struct pod_ctx *p)
{
	if (p->runs_to_completion || strcmp(k->list, "containers") != 0)
		return;
	if (yaml_is_null(yaml_map_get(k->node, "livenessProbe")))
		emit(x, R_LIVENESS, k->node, k->name, "livenessProbe", NULL, "no livenessProbe");
	if (yaml_is_null(yaml_map_get(k->node, "readinessProbe")))
		emit(x, R_READINESS, k->node, k->name, "readinessProbe", NULL, "no readinessProbe");
}

/* The tag of an image reference ("" when none), ignoring a registry port
 * ("registry:5000/app" has no tag). */
static void image_tag(const char *image, char *tag, size_t n)
{
	const char *at = strchr(image, '@'), *slash, *colon;
	size_t end = at ? (size_t)(at - image) : strlen(image);

	tag[0] = '\0';
	slash = memrchr(image, '/', end);
	colon = memrchr(image, ':', end);
	if (colon && (!slash || colon > slash))
		snprintf(tag, n, "%.*s", (int)(end - (size_t)(colon - image) - 1), colon + 1);
}

/* A digest as the OCI image specification defines it: algorithm
 * components of [a-z0-9] joined by [+._-], a colon, and an encoded part of
 * [a-zA-Z0-9=_-]; the registered algorithms (sha256, sha512, blake3) want
 * exactly their length of lower-case hex. A malformed digest pins nothing:
 * the runtime refuses it. */
static bool digest_valid(const char *d)
{
	static const struct {
		const char *name;
		size_t hex;
	} registered[] = {{"sha256", 64}, {"sha512", 128}, {"blake3", 64}};
	const char *colon = strchr(d, ':'), *enc;
	size_t alg_len, enc_len;

	if (!colon || colon == d)
		return false;
	alg_len = (size_t)(colon - d);
	for (size_t i = 0; i < alg_len; i++) {
		bool sep = strchr("+._-", d[i]) != NULL;
		bool comp = (d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' && d[i] <= '9');
		if (!comp && !(sep && i > 0 && i + 1 < alg_len && !strchr("+._-", d[i - 1])))
			return false;
	}
	enc = colon + 1;
	enc_len = strlen(enc);
	if (enc_len == 0 || strspn(enc, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_-") != enc_len)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(registered); i++)
		if (alg_len == strlen(registered[i].name) && strncmp(d, registered[i].name, alg_len) == 0)
			return enc_len == registered[i].hex && strspn(enc, "0123456789abcdef") == enc_len;
	return true;
}

static void check_image(struct k8s_ctx *x, const struct container_ctx *k)
{
	const struct yaml_pair *p = yaml_map_find(k->node, "image");
	const char *image = p ? yaml_scalar_str(p->value) : NULL;
	bool digest;
	char tag[128], ev[300];

	if (!image || !*image)
		return;
	digest = strchr(image, '@') && digest_valid(strchr(image, '@') + 1);
	image_tag(image, tag, sizeof(tag));
	snprintf(ev, sizeof(ev), "image: %.280s", image);
	if (!strchr(image, '@') && (!*tag || strcmp(tag, "latest") == 0))
		emit(x, R_TAG_LATEST, p->key, k->name, image, ev, "image %s %s", image,
		     *tag ? "uses the latest tag" : "has no tag (it means latest)");
	if (!digest)
		emit(x, R_NOT_PINNED, p->key, k->name, image, ev, "image %s is not pinned to a digest%s", image,
		     strchr(image, '@') ? " (what follows @ is not a valid digest)" : "");
}

static void check_host_ports(struct k8s_ctx *x, const struct container_ctx *k)
{
	const struct yaml_node *ports = yaml_map_get(k->node, "ports");
	char ev[64], key[32];
	long long port;

	for (size_t i = 0; yaml_is_sequence(ports) && i < ports->n_items; i++) {
		const struct yaml_pair *hp = yaml_map_find(ports->items[i], "hostPort");
		if (!hp || !yaml_scalar_int(hp->value, &port) || port == 0)
			continue;
		snprintf(ev, sizeof(ev), "hostPort: %lld", port);
		snprintf(key, sizeof(key), "hostPort %lld", port);
		emit(x, R_HOST_PORT, hp->key, k->name, key, ev, "binds hostPort %lld on the node", port);
	}
}

/* A value that reads as a real secret rather than a reference, a flag or
 * a placeholder. */
static bool looks_like_literal_secret(const char *value)
{
	return value && *value && !secret_value_is_reference(value) && !secret_value_is_flag(value) &&
	       !secret_value_is_placeholder(value);
}

static void check_env(struct k8s_ctx *x, const struct container_ctx *k)
{
	const struct yaml_node *env = yaml_map_get(k->node, "env"), *env_from = yaml_map_get(k->node, "envFrom");
	char hash[SHA256_HEX_LEN + 1], identity[512], msg[512];

	for (size_t i = 0; yaml_is_sequence(env) && i < env->n_items; i++) {
		const struct yaml_node *e = env->items[i];
		const char *name = yaml_map_get_str(e, "name");
		const struct yaml_pair *ref = yaml_map_find(yaml_map_get(e, "valueFrom"), "secretKeyRef");
		const struct yaml_pair *value = yaml_map_find(e, "value");
		const char *v = value ? yaml_scalar_str(value->value) : NULL;

		if (!name)
			continue;
		if (ref) {
			const char *secret = yaml_map_get_str(ref->value, "name");
			emit(x, R_SECRET_ENV, ref->key, k->name, name, NULL,
			     "env %s takes Secret %s key %s as an environment variable", name, secret ? secret : "?",
			     yaml_map_get_str(ref->value, "key") ? yaml_map_get_str(ref->value, "key") : "?");
		}
		if (v && secret_name_is_sensitive(name) && looks_like_literal_secret(v)) {
			char *redacted = redact_secret(v, value->value->len);
			sha256_hex(v, value->value->len, hash);
			snprintf(identity, sizeof(identity), "%s\n%s\n%s\n%s", x->who, k->name, name, hash);
			snprintf(msg, sizeof(msg), "%s container %s: env %s holds a literal secret", x->who, k->name,
				 name);
			emit_at(x->s, R_SECRET_LITERAL, x->o->target, x->o->path, value->key->line,
				value->key->column, msg, redacted, hash, identity);
			free(redacted);
		}
	}
	for (size_t i = 0; yaml_is_sequence(env_from) && i < env_from->n_items; i++) {
		const struct yaml_pair *ref = yaml_map_find(env_from->items[i], "secretRef");
		const char *secret = ref ? yaml_map_get_str(ref->value, "name") : NULL;
		if (ref)
			emit(x, R_SECRET_ENV, ref->key, k->name, secret ? secret : "envFrom", NULL,
			     "envFrom puts every key of Secret %s into the environment", secret ? secret : "?");
	}
}

static void check_container(struct k8s_ctx *x, const struct container_ctx *k, const struct pod_ctx *p)
{
	bool ephemeral = strcmp(k->list, "ephemeralContainers") == 0;

	check_privileged(x, k);
	check_privilege_escalation(x, k);
	check_run_as_root(x, k, p);
	check_capabilities(x, k);
	check_host_process(x, k);
	check_seccomp(x, k, p);
	check_security_context(x, k, p);
	check_image(x, k);
	check_host_ports(x, k);
	check_env(x, k);
	check_read_only_root(x, k);
	if (ephemeral)
		return; /* the API allows no resources or probes on debugging containers */
	check_resources(x, k);
	check_probes(x, k, p);
}

static void check_host_namespaces(struct k8s_ctx *x, const struct pod_ctx *p)
{
	static const struct {
		const char *key, *rule, *what;
	} shared[] = {
		{"hostPID", R_HOST_PID, "the node's process namespace"},
		{"hostIPC", R_HOST_IPC, "the node's IPC namespace"},
		{"hostNetwork", R_HOST_NETWORK, "the node's network namespace"},
	};

	for (size_t i = 0; i < ARRAY_LEN(shared); i++) {
		const struct yaml_pair *pr = yaml_map_find(p->spec, shared[i].key);
		char ev[32];
		if (!pr || !is_true(pr->value))
			continue;
		snprintf(ev, sizeof(ev), "%s: true", shared[i].key);
		emit(x, shared[i].rule, pr->key, NULL, shared[i].key, ev, "pod spec sets %s: true: it shares %s",
		     shared[i].key, shared[i].what);
	}
}

static void check_host_paths(struct k8s_ctx *x, const struct pod_ctx *p)
{
	const struct yaml_node *vols = yaml_map_get(p->spec, "volumes");
	char ev[300];

	for (size_t i = 0; yaml_is_sequence(vols) && i < vols->n_items; i++) {
		const struct yaml_pair *hp = yaml_map_find(vols->items[i], "hostPath");
		const char *path = hp ? yaml_map_get_str(hp->value, "path") : NULL;
		const char *name = yaml_map_get_str(vols->items[i], "name");
		if (!hp)
			continue;
		snprintf(ev, sizeof(ev), "hostPath: %.280s", path ? path : "?");
		emit(x, R_HOST_PATH, hp->key, NULL, path ? path : "", ev, "volume %s mounts the node's %s%s",
		     name ? name : "?", path ? path : "(no path)",
		     path && strstr(path, ".sock") ? " (a container runtime socket: control of the node)" : "");
	}
}

static void check_pod_host_process(struct k8s_ctx *x, const struct pod_ctx *p)
{
	const struct yaml_pair *hp = host_process_setting(p->sc);

	if (hp && is_true(hp->value))
		emit(x, R_HOST_PROCESS, hp->key, NULL, "hostProcess", "hostProcess: true",
		     "pod securityContext.windowsOptions.hostProcess: true runs every container on the Windows "
		     "node");
}

static void check_service_account(struct k8s_ctx *x, const struct pod_ctx *p)
{
	const struct yaml_pair *sa = yaml_map_find(p->spec, "serviceAccountName");
	const struct yaml_pair *automount = yaml_map_find(p->spec, "automountServiceAccountToken");
	const char *account = sa ? yaml_scalar_str(sa->value) : NULL;
	struct automount_pending *pend;

	if (!account) {
		sa = yaml_map_find(p->spec, "serviceAccount"); /* the deprecated spelling */
		account = sa ? yaml_scalar_str(sa->value) : NULL;
	}
	if (!account || strcmp(account, "default") == 0)
		emit(x, R_SA_DEFAULT, sa ? sa->key : p->spec, NULL, "serviceAccountName", NULL,
		     "pod runs as the namespace's default service account");
	if (automount && is_false(automount->value))
		return;
	if (automount && is_true(automount->value)) {
		emit(x, R_AUTOMOUNT, automount->key, NULL, "automountServiceAccountToken",
		     "automountServiceAccountToken: true", "pod spec mounts the service account token");
		return;
	}
	pend = PUSH(x->c->pending, x->c->n_pending);
	place_copy(&pend->at, x, p->spec);
	pend->ns = xstrdup(effective_namespace(x->o));
	pend->account = xstrdup(account ? account : "default");
}

static struct namespace_info *namespace_get(struct k8s_checks *c, const char *name)
{
	struct namespace_info *ns;

	for (size_t i = 0; i < c->n_namespaces; i++)
		if (strcmp(c->namespaces[i].name, name) == 0)
			return &c->namespaces[i];
	ns = PUSH(c->namespaces, c->n_namespaces);
	memset(ns, 0, sizeof(*ns));
	ns->name = xstrdup(name);
	return ns;
}

static void note_workload(struct k8s_ctx *x)
{
	struct namespace_info *ns = namespace_get(x->c, effective_namespace(x->o));

	if (ns->workloads++ == 0)
		place_copy(&ns->workload_at, x, NULL);
}

static void check_containers_of(struct k8s_ctx *x, const struct pod_ctx *p, const char *list)
{
	const struct yaml_node *seq = yaml_map_get(p->spec, list);

	for (size_t i = 0; yaml_is_sequence(seq) && i < seq->n_items; i++) {
		const struct yaml_node *node = seq->items[i];
		const char *name = yaml_map_get_str(node, "name");
		struct container_ctx k = {
			.node = node,
			.sc = yaml_map_get(node, "securityContext"),
			.name = name ? name : "(unnamed)",
			.list = list,
		};
		if (yaml_is_mapping(node))
			check_container(x, &k, p);
	}
}

static void check_workload(struct k8s_ctx *x)
{
	struct pod_ctx p = {0};
	const char *restart;

	if (!k8s_pod_spec(x->o, &p.spec, &p.metadata))
		return;
	p.sc = yaml_map_get(p.spec, "securityContext");
	restart = yaml_map_get_str(p.spec, "restartPolicy");
	p.runs_to_completion = strcmp(x->o->kind, "Job") == 0 || strcmp(x->o->kind, "CronJob") == 0 ||
			       (restart && strcmp(restart, "Always") != 0);
	note_workload(x);
	check_host_namespaces(x, &p);
	check_host_paths(x, &p);
	check_pod_host_process(x, &p);
	check_service_account(x, &p);
	check_containers_of(x, &p, "initContainers");
	check_containers_of(x, &p, "containers");
	check_containers_of(x, &p, "ephemeralContainers");
}

/* ---- RBAC ------------------------------------------------------------------ */

/* What a role rule may grant that CIS 5.1 asks to minimise. Empty lists
 * (a NULL first entry) match anything. */
struct grant {
	const char *rule;
	const char *groups[3];
	const char *resources[4];
	const char *verbs[6];
	const char *what;
};

static const struct grant grants[] = {
	{R_SECRETS_ACCESS, {"", NULL}, {"secrets"}, {"get", "list", "watch"}, "read Secrets"},
	{R_POD_CREATE, {"", NULL}, {"pods"}, {"create"}, "create Pods"},
	{R_PV_CREATE, {"", NULL}, {"persistentvolumes"}, {"create"}, "create PersistentVolumes"},
	{R_NODE_PROXY, {"", NULL}, {"nodes/proxy"}, {NULL}, "reach the kubelet API through nodes/proxy"},
	{R_CSR, {"certificates.k8s.io"}, {"certificatesigningrequests/approval"}, {"update", "patch"},
	 "approve certificate signing requests"},
	{R_WEBHOOK, {"admissionregistration.k8s.io"}, {"validatingwebhookconfigurations", "mutatingwebhookconfigurations"},
	 {"create", "update", "patch", "delete", "deletecollection"}, "change admission webhook configurations"},
	{R_TOKEN_CREATE, {"", NULL}, {"serviceaccounts/token"}, {"create"}, "create service account tokens"},
	{R_ESCALATION, {"rbac.authorization.k8s.io"}, {"roles", "clusterroles"}, {"bind", "escalate"},
	 "bind or escalate roles"},
	{R_ESCALATION, {"", "authentication.k8s.io"}, {"users", "groups", "serviceaccounts", "userextras"},
	 {"impersonate"}, "impersonate users, groups or service accounts"},
};

/* A rule's list entry covers `want`: equal, `*`, `res/ *` for any
 * subresource of res, or for userextras any one extra (userextras/scopes). */
static bool entry_covers(const char *entry, const char *want)
{
	size_t n = strlen(entry), w = strlen(want);

	if (strcmp(entry, "*") == 0 || strcmp(entry, want) == 0)
		return true;
	if (n > 2 && strcmp(entry + n - 2, "/*") == 0 && strncmp(entry, want, n - 1) == 0)
		return true;
	return strcmp(want, "userextras") == 0 && strncmp(entry, want, w) == 0 && entry[w] == '/';
}

/* The first entry of list that covers one of `wanted` (any entry when
 * wanted is empty), or NULL. A plain empty entry is the core group "". */
static const struct yaml_node *list_covers(const struct yaml_node *list, const char *const *wanted, size_t max)
{
	for (size_t i = 0; yaml_is_sequence(list) && i < list->n_items; i++) {
		const struct yaml_node *item = list->items[i];
		const char *v = yaml_scalar_str(item);

		if (!yaml_is_scalar(item))
			continue;
		if (!wanted[0])
			return item;
		for (size_t w = 0; w < max && wanted[w]; w++)
			if (entry_covers(v ? v : "", wanted[w]))
				return item;
	}
	return NULL;
}

static void record_grant(struct k8s_ctx *x, const char *rule, const struct yaml_node *at, const char *detail,
			 const char *message)
{
	struct role_grant *g = PUSH(x->c->grants, x->c->n_grants);

	memset(g, 0, sizeof(*g));
	place_copy(&g->at, x, at);
	g->rule = rule;
	g->message = xstrdup(message);
	g->identity = xasprintf("%s\n%s", x->who, detail);
	g->evidence = xstrdup(detail);
	g->cluster = strcmp(x->o->kind, "ClusterRole") == 0;
	g->ns = xstrdup(g->cluster ? "" : effective_namespace(x->o));
	g->name = xstrdup(x->o->name);
}

static void check_role_rule(struct k8s_ctx *x, const struct yaml_node *r, size_t index)
{
	const struct yaml_node *groups = yaml_map_get(r, "apiGroups"), *resources = yaml_map_get(r, "resources");
	const struct yaml_node *verbs = yaml_map_get(r, "verbs");
	static const char *const star[] = {"*", NULL};
	char g[160], res[200], v[160], detail[600], msg[800];
	const struct yaml_node *wg, *wr, *wv;

	list_scalars(groups, g, sizeof(g));
	list_scalars(resources, res, sizeof(res));
	list_scalars(verbs, v, sizeof(v));
	snprintf(detail, sizeof(detail), "apiGroups: [%s] resources: [%s] verbs: [%s]", g, res, v);
	wg = list_covers(groups, star, 1);
	wr = list_covers(resources, star, 1);
	wv = list_covers(verbs, star, 1);
	if (wg || wr || wv) {
		snprintf(msg, sizeof(msg), "%s rule %zu uses a wildcard in %s%s%s%s%s", x->who, index + 1,
			 wg ? "apiGroups" : "", wg && (wr || wv) ? ", " : "", wr ? "resources" : "",
			 wr && wv ? ", " : "", wv ? "verbs" : "");
		record_grant(x, R_WILDCARD, wv ? wv : wr ? wr : wg, detail, msg);
	}
	for (size_t i = 0; i < ARRAY_LEN(grants); i++) {
		const struct grant *gr = &grants[i];
		const struct yaml_node *hg = list_covers(groups, gr->groups, ARRAY_LEN(gr->groups));
		const struct yaml_node *hr = list_covers(resources, gr->resources, ARRAY_LEN(gr->resources));
		const struct yaml_node *hv = gr->verbs[0] ? list_covers(verbs, gr->verbs, ARRAY_LEN(gr->verbs))
							  : (yaml_is_sequence(verbs) && verbs->n_items ? verbs->items[0] : NULL);
		if (!hg || !hr || !hv)
			continue;
		snprintf(msg, sizeof(msg), "%s rule %zu lets its subjects %s", x->who, index + 1, gr->what);
		record_grant(x, gr->rule, gr->verbs[0] ? hv : hr, detail, msg);
	}
}

static void check_role(struct k8s_ctx *x)
{
	const struct yaml_node *rules = yaml_map_get(x->o->root, "rules");

	for (size_t i = 0; yaml_is_sequence(rules) && i < rules->n_items; i++)
		if (yaml_is_mapping(rules->items[i]))
			check_role_rule(x, rules->items[i], i);
}

static void subject_text(const struct yaml_node *subj, const char *binding_ns, struct buf *out)
{
	const char *kind = yaml_map_get_str(subj, "kind"), *name = yaml_map_get_str(subj, "name");
	const char *ns = yaml_map_get_str(subj, "namespace");

	if (out->len)
		buf_puts(out, ", ");
	if (kind && strcmp(kind, "ServiceAccount") == 0)
		buf_printf(out, "ServiceAccount %s/%s", ns ? ns : binding_ns, name ? name : "?");
	else
		buf_printf(out, "%s %s", kind ? kind : "?", name ? name : "?");
}

static void check_binding(struct k8s_ctx *x)
{
	const struct yaml_node *subjects = yaml_map_get(x->o->root, "subjects");
	const struct yaml_node *ref = yaml_map_get(x->o->root, "roleRef");
	const char *role_kind = yaml_map_get_str(ref, "kind"), *role = yaml_map_get_str(ref, "name");
	bool cluster_binding = strcmp(x->o->kind, "ClusterRoleBinding") == 0;
	const char *ns = cluster_binding ? "" : effective_namespace(x->o);
	struct role_binding *b;
	struct buf text;
	bool admin = role && strcmp(role, "cluster-admin") == 0 && role_kind && strcmp(role_kind, "ClusterRole") == 0;

	buf_init(&text);
	for (size_t i = 0; yaml_is_sequence(subjects) && i < subjects->n_items; i++) {
		const struct yaml_node *subj = subjects->items[i];
		const char *kind = yaml_map_get_str(subj, "kind"), *name = yaml_map_get_str(subj, "name");
		struct buf one;

		if (!kind || !name)
			continue;
		buf_init(&one);
		subject_text(subj, *ns ? ns : "default", &one);
		subject_text(subj, *ns ? ns : "default", &text);
		if (strcmp(kind, "Group") == 0 && strcmp(name, "system:masters") == 0)
			emit(x, R_SYSTEM_MASTERS, subj, NULL, one.data, one.data,
			     "binds %s %s to the system:masters group, which bypasses RBAC", role_kind ? role_kind : "role",
			     role ? role : "?");
		if (admin && !str_starts_with(name, "system:"))
			emit(x, R_CLUSTER_ADMIN, key_node(ref, "name"), NULL, one.data, one.data,
			     "grants cluster-admin to %s", one.data);
		if (strcmp(kind, "ServiceAccount") == 0 && strcmp(name, "default") == 0 && role)
			emit(x, R_DEFAULT_SA, subj, NULL, one.data, one.data,
			     "grants %s %s to %s, the account every pod without its own uses",
			     role_kind ? role_kind : "role", role, one.data);
		buf_free(&one);
	}
	if (role && role_kind) {
		b = PUSH(x->c->bindings, x->c->n_bindings);
		b->who = xstrdup(x->who);
		b->ns = xstrdup(ns);
		b->role_cluster = strcmp(role_kind, "ClusterRole") == 0;
		b->role_name = xstrdup(role);
		b->subjects = buf_steal(&text);
	}
	buf_free(&text);
}

static void check_service_account_object(struct k8s_ctx *x)
{
	const struct yaml_pair *am = yaml_map_find(x->o->root, "automountServiceAccountToken");
	struct service_account *sa = PUSH(x->c->accounts, x->c->n_accounts);

	sa->ns = xstrdup(effective_namespace(x->o));
	sa->name = xstrdup(x->o->name);
	sa->automount = am && is_false(am->value) ? 0 : am && is_true(am->value) ? 1 : -1;
	if (strcmp(x->o->name, "default") == 0 && sa->automount != 0)
		emit(x, R_DEFAULT_SA, am ? am->key : NULL, NULL, "automount", NULL,
		     "the default ServiceAccount does not set automountServiceAccountToken: false");
}

/* ---- secrets in Secrets, ConfigMaps ---------------------------------------- */

/* Decodes standard base64 (whitespace ignored); returns the length or -1. */
static long base64_decode(const char *in, size_t n, char *out)
{
	unsigned val = 0, bits = 0;
	long len = 0;
	bool pad = false;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)in[i], d;
		if (isspace(c))
			continue;
		if (c == '=') {
			pad = true;
			continue;
		}
		if (pad)
			return -1;
		if (c >= 'A' && c <= 'Z')
			d = c - 'A';
		else if (c >= 'a' && c <= 'z')
			d = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			d = c - '0' + 52;
		else if (c == '+' || c == '-')
			d = 62;
		else if (c == '/' || c == '_')
			d = 63;
		else
			return -1;
		val = (val << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (char)((val >> bits) & 0xff);
		}
	}
	return len;
}

struct engine_hits {
	char *first_hash, *first_redacted;
	const char *first_title;
	unsigned count;
};

static void collect_hit(const struct secret_hit *h, void *ctx)
{
	struct engine_hits *e = ctx;

	if (h->ignored)
		return;
	if (!e->count++) {
		e->first_hash = xstrdup(h->hash);
		e->first_redacted = xstrdup(h->redacted);
		e->first_title = h->pattern->rule.title;
	}
}

static void engine_hits_free(struct engine_hits *e)
{
	free(e->first_hash);
	free(e->first_redacted);
	memset(e, 0, sizeof(*e));
}

static void check_secret(struct k8s_ctx *x)
{
	static const char *const sections[] = {"data", "stringData"};
	struct buf keys, recognised, evidence, identity;
	char hash[SHA256_HEX_LEN + 1], first_hash[SHA256_HEX_LEN + 1] = "";
	const struct yaml_node *first_section = NULL;
	unsigned n_keys = 0;

	buf_init(&keys);
	buf_init(&recognised);
	buf_init(&evidence);
	buf_init(&identity);
	buf_puts(&identity, x->who);
	for (size_t s = 0; s < ARRAY_LEN(sections); s++) {
		const struct yaml_pair *sec = yaml_map_find(x->o->root, sections[s]);
		bool encoded = s == 0;

		for (size_t i = 0; sec && yaml_is_mapping(sec->value) && i < sec->value->n_pairs; i++) {
			const struct yaml_node *k = sec->value->pairs[i].key, *v = sec->value->pairs[i].value;
			const char *key = yaml_scalar_str(k);
			struct engine_hits hits = {0};
			char *plain, *redacted;
			bool invalid;
			long len;

			if (!key || !yaml_is_scalar(v) || v->len == 0)
				continue;
			plain = xmalloc(v->len + 1);
			len = encoded ? base64_decode(v->value, v->len, plain) : -1;
			invalid = encoded && len < 0;
			if (len < 0) {
				memcpy(plain, v->value, v->len);
				len = (long)v->len;
			}
			plain[len] = '\0';
			scan_find_secrets(x->s, key, plain, (size_t)len, collect_hit, &hits);
			sha256_hex(plain, (size_t)len, hash);
			redacted = redact_secret(plain, (size_t)len);
			if (!first_section)
				first_section = sec->key;
			if (!*first_hash)
				memcpy(first_hash, hits.count ? hits.first_hash : hash, sizeof(first_hash));
			buf_printf(&keys, "%s%s", n_keys ? ", " : "", key);
			buf_printf(&evidence, "%s%s: %s", n_keys ? "; " : "", key,
				   hits.count ? hits.first_redacted : redacted);
			buf_printf(&identity, "\n%s=%s", key, hash);
			if (hits.count)
				buf_printf(&recognised, "%s%s (%s)", recognised.len ? ", " : "", key, hits.first_title);
			if (invalid)
				buf_printf(&keys, " (not valid base64)");
			n_keys++;
			secure_zero(plain, (size_t)len);
			free(plain);
			free(redacted);
			engine_hits_free(&hits);
		}
	}
	if (n_keys) {
		char *msg = xasprintf("%s commits %u key%s (%s): base64 is an encoding, not encryption%s%s", x->who,
				      n_keys, n_keys == 1 ? "" : "s", keys.data,
				      recognised.len ? "; the secrets engine recognises " : "",
				      recognised.len ? recognised.data : "");
		char id_hash[SHA256_HEX_LEN + 1];
		sha256_hex(identity.data, identity.len, id_hash);
		emit_at(x->s, R_SECRET_MANIFEST, x->o->target, x->o->path, first_section->line, first_section->column,
			msg, evidence.data, first_hash, id_hash);
		free(msg);
	}
	secure_zero(evidence.data, evidence.len);
	buf_free(&keys);
	buf_free(&recognised);
	buf_free(&evidence);
	buf_free(&identity);
}

static void check_configmap(struct k8s_ctx *x)
{
	const struct yaml_node *data = yaml_map_get(x->o->root, "data");
	char hash[SHA256_HEX_LEN + 1], identity[512], msg[768];

	for (size_t i = 0; yaml_is_mapping(data) && i < data->n_pairs; i++) {
		const struct yaml_node *k = data->pairs[i].key, *v = data->pairs[i].value;
		const char *key = yaml_scalar_str(k), *value = yaml_scalar_str(v);
		struct engine_hits hits = {0};
		bool named;
		char *redacted;

		if (!key || !value || !*value)
			continue;
		named = secret_name_is_sensitive(key) && looks_like_literal_secret(value) && !strchr(value, '\n');
		scan_find_secrets(x->s, key, value, v->len, collect_hit, &hits);
		if (named || hits.count) {
			sha256_hex(value, v->len, hash);
			redacted = hits.count ? xstrdup(hits.first_redacted) : redact_secret(value, v->len);
			snprintf(identity, sizeof(identity), "%s\n%s\n%s", x->who, key,
				 hits.count ? hits.first_hash : hash);
			snprintf(msg, sizeof(msg), "%s key %s holds %s%s", x->who, key,
				 hits.count ? "what the secrets engine recognises as a " : "a secret-named literal value",
				 hits.count ? hits.first_title : "");
			emit_at(x->s, R_CONFIGMAP_SECRET, x->o->target, x->o->path, k->line, k->column, msg, redacted,
				hits.count ? hits.first_hash : hash, identity);
			free(redacted);
		}
		engine_hits_free(&hits);
	}
}

/* ---- network policies, namespaces, admission -------------------------------- */

static bool peer_is_anywhere(const struct yaml_node *peer)
{
	const char *cidr = yaml_map_get_str(yaml_map_get(peer, "ipBlock"), "cidr");

	return cidr && (strcmp(cidr, "0.0.0.0/0") == 0 || strcmp(cidr, "::/0") == 0);
}

static void check_policy_direction(struct k8s_ctx *x, const char *direction, const char *peers_key)
{
	const struct yaml_node *rules = yaml_map_get(yaml_map_get(x->o->root, "spec"), direction);

	for (size_t i = 0; yaml_is_sequence(rules) && i < rules->n_items; i++) {
		const struct yaml_node *r = rules->items[i], *peers = yaml_map_get(r, peers_key);
		bool anywhere = is_empty_collection(peers);
		char key[64];

		for (size_t p = 0; !anywhere && yaml_is_sequence(peers) && p < peers->n_items; p++)
			anywhere = peer_is_anywhere(peers->items[p]);
		if (!anywhere || !is_empty_collection(yaml_map_get(r, "ports")))
			continue;
		snprintf(key, sizeof(key), "%s %zu", direction, i);
		emit(x, R_NETPOL_OPEN, r, NULL, key, NULL, "%s rule %zu allows %s any peer on any port", direction,
		     i + 1, strcmp(direction, "egress") == 0 ? "traffic to" : "traffic from");
	}
}

static void check_network_policy(struct k8s_ctx *x)
{
	namespace_get(x->c, effective_namespace(x->o))->has_policy = true;
	if (!str_starts_with(x->o->api_version, "networking.k8s.io/"))
		return; /* Calico's NetworkPolicy: another schema */
	check_policy_direction(x, "egress", "to");
	check_policy_direction(x, "ingress", "from");
}

/* A Cilium endpoint selector that selects every pod: {} or empty
 * matchLabels, and no matchExpressions. */
static bool selects_everything(const struct yaml_node *sel)
{
	const struct yaml_node *labels = yaml_map_get(sel, "matchLabels");

	return yaml_is_mapping(sel) && is_empty_collection(labels) &&
	       is_empty_collection(yaml_map_get(sel, "matchExpressions"));
}

/* Network policies of the CNI plugins (Cilium, Calico) count as the
 * namespace's policy; their cluster-wide kinds count for every namespace
 * when they select every pod. */
static bool note_cni_policy(struct k8s_ctx *x)
{
	const char *kind = x->o->kind, *api = x->o->api_version;
	const struct yaml_node *spec = yaml_map_get(x->o->root, "spec"), *specs = yaml_map_get(x->o->root, "specs");
	bool all = false;

	if (str_starts_with(api, "cilium.io/") && strcmp(kind, "CiliumNetworkPolicy") == 0) {
		namespace_get(x->c, effective_namespace(x->o))->has_policy = true;
		return true;
	}
	if (str_starts_with(api, "cilium.io/") && strcmp(kind, "CiliumClusterwideNetworkPolicy") == 0) {
		all = selects_everything(yaml_map_get(spec, "endpointSelector"));
		for (size_t i = 0; !all && yaml_is_sequence(specs) && i < specs->n_items; i++)
			all = selects_everything(yaml_map_get(specs->items[i], "endpointSelector"));
	} else if ((str_starts_with(api, "projectcalico.org/") || str_starts_with(api, "crd.projectcalico.org/")) &&
		   strcmp(kind, "GlobalNetworkPolicy") == 0) {
		const char *sel = yaml_map_get_str(spec, "selector");
		all = !sel || strcmp(sel, "all()") == 0;
	} else {
		return false;
	}
	if (all && !x->c->cluster_policy)
		x->c->cluster_policy = xstrdup(x->who);
	return true;
}

static void note_namespace(struct k8s_ctx *x)
{
	struct namespace_info *ns;
	const struct yaml_pair *enforce;

	if (!*x->o->name)
		return;
	ns = namespace_get(x->c, x->o->name);
	if (ns->has_object)
		return;
	ns->has_object = true;
	place_copy(&ns->object_at, x, NULL);
	enforce = yaml_map_find(yaml_map_get(x->o->metadata, "labels"), "pod-security.kubernetes.io/enforce");
	if (enforce && yaml_scalar_str(enforce->value)) {
		ns->enforce = xstrdup(yaml_scalar_str(enforce->value));
		ns->enforce_line = enforce->key->line;
		ns->enforce_column = enforce->key->column;
	}
}

/* Admission control other than Pod Security Admission (CIS 5.2.1 asks for
 * at least one): a validating webhook that sees pods created in
 * namespaces, a ValidatingAdmissionPolicy on pods, or Kyverno or
 * Gatekeeper policies. Mutating webhooks do not count: most (sidecar
 * injectors) change pods without judging them. */
static bool rules_cover_pod_creation(const struct yaml_node *rules, const char *resources_key)
{
	static const char *const pods[] = {"pods", NULL}, *const create[] = {"CREATE", NULL};

	for (size_t r = 0; yaml_is_sequence(rules) && r < rules->n_items; r++) {
		const struct yaml_node *rule = rules->items[r];
		const char *scope = yaml_map_get_str(rule, "scope");
		if (list_covers(yaml_map_get(rule, resources_key), pods, 2) &&
		    list_covers(yaml_map_get(rule, "operations"), create, 2) && (!scope || strcmp(scope, "Cluster") != 0))
			return true;
	}
	return false;
}

static bool webhook_admits_pods(const struct yaml_node *root)
{
	const struct yaml_node *hooks = yaml_map_get(root, "webhooks");

	for (size_t i = 0; yaml_is_sequence(hooks) && i < hooks->n_items; i++)
		if (rules_cover_pod_creation(yaml_map_get(hooks->items[i], "rules"), "resources"))
			return true;
	return false;
}

static void note_policy_engine(struct k8s_ctx *x)
{
	const char *kind = x->o->kind, *api = x->o->api_version;
	bool engine = false;

	if (strcmp(kind, "ValidatingWebhookConfiguration") == 0)
		engine = webhook_admits_pods(x->o->root);
	else if (strcmp(kind, "ValidatingAdmissionPolicy") == 0)
		engine = rules_cover_pod_creation(yaml_map_get_path(x->o->root, "spec.matchConstraints.resourceRules"),
						  "resources");
	else if (str_starts_with(api, "kyverno.io/") && (strcmp(kind, "ClusterPolicy") == 0 || strcmp(kind, "Policy") == 0))
		engine = true;
	else if (str_starts_with(api, "templates.gatekeeper.sh/") && strcmp(kind, "ConstraintTemplate") == 0)
		engine = true;
	if (engine && !x->c->policy_engine)
		x->c->policy_engine = xstrdup(x->who);
}

static bool is_namespaced_kind(const char *kind)
{
	static const char *const kinds[] = {
		"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
		"CronJob", "PodTemplate", "Service", "Endpoints", "EndpointSlice", "ConfigMap", "Secret",
		"ServiceAccount", "Role", "RoleBinding", "Ingress", "NetworkPolicy", "PersistentVolumeClaim",
		"HorizontalPodAutoscaler", "PodDisruptionBudget", "Lease", "CSIStorageCapacity", "LimitRange",
		"ResourceQuota",
	};

	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

/* The API server's own objects in default: the kubernetes Service, its
 * Endpoints, and the EndpointSlice its controller labels. */
static bool is_api_server_object(const struct k8s_object *o)
{
	const struct yaml_node *labels = yaml_map_get(o->metadata, "labels");
	const char *svc, *managed;

	if (strcmp(o->name, "kubernetes") != 0)
		return false;
	if (strcmp(o->kind, "Service") == 0 || strcmp(o->kind, "Endpoints") == 0)
		return true;
	svc = yaml_map_get_str(labels, "kubernetes.io/service-name");
	managed = yaml_map_get_str(labels, "endpointslice.kubernetes.io/managed-by");
	return strcmp(o->kind, "EndpointSlice") == 0 && svc && strcmp(svc, "kubernetes") == 0 && managed &&
	       strcmp(managed, "endpointslice-controller.k8s.io") == 0;
}

static void check_default_namespace(struct k8s_ctx *x)
{
	const struct yaml_pair *ns = yaml_map_find(x->o->metadata, "namespace");

	if (!is_namespaced_kind(x->o->kind) || (x->o->namespace && strcmp(x->o->namespace, "default") != 0))
		return;
	if (is_api_server_object(x->o))
		return;
	if (x->o->namespace)
		emit(x, R_DEFAULT_NAMESPACE, ns->key, NULL, "namespace", "namespace: default",
		     "is in the default namespace");
	else
		emit(x, R_DEFAULT_NAMESPACE, NULL, NULL, "namespace", NULL,
		     "sets no namespace: kubectl applies it to the current context's namespace, usually default");
}

void k8s_check_object(struct scan *s, struct k8s_checks *c, const struct k8s_object *o)
{
	struct k8s_ctx x = {.s = s, .c = c, .o = o};
	const char *kind = o->kind;

	object_who(o, x.who, sizeof(x.who));
	check_default_namespace(&x);
	note_policy_engine(&x);
	if (strcmp(kind, "Role") == 0 || strcmp(kind, "ClusterRole") == 0)
		check_role(&x);
	else if (strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0)
		check_binding(&x);
	else if (strcmp(kind, "ServiceAccount") == 0)
		check_service_account_object(&x);
	else if (strcmp(kind, "Secret") == 0)
		check_secret(&x);
	else if (strcmp(kind, "ConfigMap") == 0)
		check_configmap(&x);
	else if (strcmp(kind, "NetworkPolicy") == 0)
		check_network_policy(&x);
	else if (strcmp(kind, "Namespace") == 0)
		note_namespace(&x);
	else if (!note_cni_policy(&x))
		check_workload(&x);
}

/* ---- the end of the run: checks across objects ------------------------------ */

static bool binding_grants(const struct role_binding *b, const struct role_grant *g)
{
	if (strcmp(b->role_name, g->name) != 0 || b->role_cluster != g->cluster)
		return false;
	/* a Role is bound only by RoleBindings of its own namespace */
	return g->cluster || strcmp(b->ns, g->ns) == 0;
}

static void report_grants(struct scan *s, struct k8s_checks *c)
{
	for (size_t i = 0; i < c->n_grants; i++) {
		struct role_grant *g = &c->grants[i];
		struct buf msg;
		unsigned bound = 0;

		buf_init(&msg);
		buf_puts(&msg, g->message);
		for (size_t b = 0; b < c->n_bindings && bound < 5; b++) {
			if (!binding_grants(&c->bindings[b], g))
				continue;
			buf_printf(&msg, "%s%s (%s)", bound ? "; " : "; bound to ", *c->bindings[b].subjects ?
				   c->bindings[b].subjects : "no subjects", c->bindings[b].who);
			bound++;
		}
		if (!bound)
			buf_puts(&msg, "; not bound in the scanned files");
		emit_at(s, g->rule, g->at.target, g->at.path, g->at.line, g->at.column, msg.data, g->evidence, NULL,
			g->identity);
		buf_free(&msg);
	}
}

static int cmp_account(const void *a, const void *b)
{
	const struct service_account *x = a, *y = b;
	int d = strcmp(x->ns, y->ns);

	return d ? d : strcmp(x->name, y->name);
}

static void report_automount(struct scan *s, struct k8s_checks *c)
{
	if (c->n_accounts)
		qsort(c->accounts, c->n_accounts, sizeof(*c->accounts), cmp_account);
	for (size_t i = 0; i < c->n_pending; i++) {
		struct automount_pending *p = &c->pending[i];
		struct service_account key = {.ns = p->ns, .name = p->account};
		struct service_account *sa = c->n_accounts ? bsearch(&key, c->accounts, c->n_accounts,
								     sizeof(*c->accounts), cmp_account)
							   : NULL;
		char msg[768], identity[512];

		if (sa && sa->automount == 0)
			continue;
		snprintf(msg, sizeof(msg), "%s: pod spec mounts the token of service account %s (%s)", p->at.who,
			 p->account,
			 sa ? "its ServiceAccount does not set automountServiceAccountToken: false"
			    : "automountServiceAccountToken is unset and the ServiceAccount is not in the scanned files");
		snprintf(identity, sizeof(identity), "%s\n\nautomountServiceAccountToken", p->at.who);
		emit_at(s, R_AUTOMOUNT, p->at.target, p->at.path, p->at.line, p->at.column, msg, NULL, NULL, identity);
	}
}

static void report_namespaces(struct scan *s, struct k8s_checks *c)
{
	for (size_t i = 0; i < c->n_namespaces; i++) {
		struct namespace_info *ns = &c->namespaces[i];
		const struct k8s_place *at = ns->has_object ? &ns->object_at : &ns->workload_at;
		char msg[768], identity[300];

		if ((ns->workloads || ns->has_object) && !ns->has_policy && !c->cluster_policy) {
			if (ns->workloads)
				snprintf(msg, sizeof(msg),
					 "namespace %s runs %u workload%s (%s first) and no NetworkPolicy in the scanned "
					 "files applies to it",
					 ns->name, ns->workloads, ns->workloads == 1 ? "" : "s", ns->workload_at.who);
			else
				snprintf(msg, sizeof(msg), "%s: no NetworkPolicy in the scanned files applies to it",
					 ns->object_at.who);
			snprintf(identity, sizeof(identity), "namespace\n%s", ns->name);
			emit_at(s, R_NETPOL_MISSING, at->target, at->path, at->line, at->column, msg, NULL, NULL,
				identity);
		}
		if (ns->has_object && !c->policy_engine && (!ns->enforce || strcmp(ns->enforce, "privileged") == 0)) {
			snprintf(msg, sizeof(msg), "%s: %s", ns->object_at.who,
				 ns->enforce ? "pod-security.kubernetes.io/enforce is privileged, which admits any pod"
					     : "no pod-security.kubernetes.io/enforce label, and no other admission "
					       "control for pods in the scanned files");
			snprintf(identity, sizeof(identity), "namespace\n%s", ns->name);
			emit_at(s, R_PSA, ns->object_at.target, ns->object_at.path,
				ns->enforce ? ns->enforce_line : ns->object_at.line,
				ns->enforce ? ns->enforce_column : ns->object_at.column, msg,
				ns->enforce ? "enforce: privileged" : NULL, NULL, identity);
		}
	}
}

static void free_state(struct k8s_checks *c)
{
	for (size_t i = 0; i < c->n_grants; i++) {
		place_free(&c->grants[i].at);
		free(c->grants[i].message);
		free(c->grants[i].identity);
		free(c->grants[i].evidence);
		free(c->grants[i].ns);
		free(c->grants[i].name);
	}
	for (size_t i = 0; i < c->n_bindings; i++) {
		free(c->bindings[i].who);
		free(c->bindings[i].ns);
		free(c->bindings[i].role_name);
		free(c->bindings[i].subjects);
	}
	for (size_t i = 0; i < c->n_accounts; i++) {
		free(c->accounts[i].ns);
		free(c->accounts[i].name);
	}
	for (size_t i = 0; i < c->n_pending; i++) {
		place_free(&c->pending[i].at);
		free(c->pending[i].ns);
		free(c->pending[i].account);
	}
	for (size_t i = 0; i < c->n_namespaces; i++) {
		struct namespace_info *ns = &c->namespaces[i];
		free(ns->name);
		if (ns->workloads)
			place_free(&ns->workload_at);
		if (ns->has_object)
			place_free(&ns->object_at);
		free(ns->enforce);
	}
	free(c->grants);
	free(c->bindings);
	free(c->accounts);
	free(c->pending);
	free(c->namespaces);
	free(c->policy_engine);
	free(c->cluster_policy);
	free(c);
}

void k8s_checks_end(struct scan *s, struct k8s_checks *c)
{
	report_grants(s, c);
	report_automount(s, c);
	report_namespaces(s, c);
	free_state(c);
}
