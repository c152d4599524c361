{{/* Base name of every object: the release name, with "-patchwindow" unless it already says so. */}}
{{- define "patchwindow.fullname" -}}
{{- if contains "patchwindow" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-patchwindow" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Cluster-scoped objects carry the namespace too: two releases of the same name in two namespaces must not collide. */}}
{{- define "patchwindow.clusterName" -}}
{{- $base := printf "%s-%s" .Release.Namespace (include "patchwindow.fullname" .) -}}
{{- if gt (len $base) 50 -}}
{{- printf "%s-%s" ($base | trunc 41 | trimSuffix "-") ($base | sha256sum | trunc 8) -}}
{{- else -}}
{{- $base -}}
{{- end -}}
{{- end -}}

{{- define "patchwindow.reconciler" -}}{{ include "patchwindow.fullname" . }}-reconciler{{- end -}}

{{/* stableName of policy/names.ts: the name itself up to 63 characters, else its head and the first 8 hex digits of its SHA-256. */}}
{{- define "patchwindow.stableName" -}}
{{- if gt (len .) 63 -}}
{{- printf "%s-%s" (regexReplaceAll "[-.]+$" (trunc 54 .) "") (sha256sum . | trunc 8) -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}

{{/* The agents' ClusterRole and ClusterRoleBinding the reconciler renders for the Fleet (reconciler/render/objects.ts). */}}
{{- define "patchwindow.agentClusterRole" -}}{{ include "patchwindow.stableName" (printf "patchwindow-agent-%s" .Values.fleet.name) }}{{- end -}}

{{/* The coordinator's ClusterRole and ClusterRoleBinding the reconciler renders for the Fleet (reconciler/render/objects.ts). */}}
{{- define "patchwindow.coordinatorClusterRole" -}}{{ include "patchwindow.stableName" (printf "patchwindow-coordinator-%s" .Values.fleet.name) }}{{- end -}}

{{/* The agents' namespace (the Fleet's spec.namespace): never the release's, which runs under Pod Security restricted. */}}
{{- define "patchwindow.agentNamespace" -}}{{ .Values.fleet.namespace }}{{- end -}}

{{- define "patchwindow.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* Labels equal to those of the rendered agents' Namespace where both set them (server-side apply shares a field only with equal values). */}}
{{- define "patchwindow.labels" -}}
app.kubernetes.io/name: patchwindow
app.kubernetes.io/part-of: patchwindow
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "patchwindow.selector" -}}
app.kubernetes.io/name: patchwindow
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: reconciler
{{- end -}}
