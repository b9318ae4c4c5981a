/**
 * Protobuf field numbers of networking.v1 (from kubectl.1.33).
 * Written by test/server/protobuf/generate-schema.ts from the compiled generated.proto
 * descriptors; regenerate rather than edit (see that script for the hand-added fields).
 */
import type { SchemaTable } from "./types.ts";

export const networkingV1: SchemaTable = {
  "networking.v1.HTTPIngressPath": { 1: ["path", "string"], 2: ["backend", "networking.v1.IngressBackend"], 3: ["pathType", "string"] },
  "networking.v1.HTTPIngressRuleValue": { 1: ["paths", "networking.v1.HTTPIngressPath", "r"] },
  "networking.v1.IPAddress": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "networking.v1.IPAddressSpec"] },
  "networking.v1.IPAddressList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "networking.v1.IPAddress", "r"] },
  "networking.v1.IPAddressSpec": { 1: ["parentRef", "networking.v1.ParentReference", "p"] },
  "networking.v1.IPBlock": { 1: ["cidr", "string"], 2: ["except", "string", "r"] },
  "networking.v1.Ingress": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "networking.v1.IngressSpec"], 3: ["status", "networking.v1.IngressStatus"] },
  "networking.v1.IngressBackend": { 3: ["resource", "core.v1.TypedLocalObjectReference", "p"], 4: ["service", "networking.v1.IngressServiceBackend", "p"] },
  "networking.v1.IngressClass": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "networking.v1.IngressClassSpec"] },
  "networking.v1.IngressClassList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "networking.v1.IngressClass", "r"] },
  "networking.v1.IngressClassParametersReference": { 1: ["apiGroup", "string", "p"], 2: ["kind", "string"], 3: ["name", "string"], 4: ["scope", "string", "p"], 5: ["namespace", "string", "p"] },
  "networking.v1.IngressClassSpec": { 1: ["controller", "string"], 2: ["parameters", "networking.v1.IngressClassParametersReference", "p"] },
  "networking.v1.IngressList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "networking.v1.Ingress", "r"] },
  "networking.v1.IngressLoadBalancerIngress": { 1: ["ip", "string"], 2: ["hostname", "string"], 4: ["ports", "networking.v1.IngressPortStatus", "r"] },
  "networking.v1.IngressLoadBalancerStatus": { 1: ["ingress", "networking.v1.IngressLoadBalancerIngress", "r"] },
  "networking.v1.IngressPortStatus": { 1: ["port", "int32"], 2: ["protocol", "string"], 3: ["error", "string", "p"] },
  "networking.v1.IngressRule": { 1: ["host", "string"], 2: ["ingressRuleValue", "networking.v1.IngressRuleValue", "i"] },
  "networking.v1.IngressRuleValue": { 1: ["http", "networking.v1.HTTPIngressRuleValue", "p"] },
  "networking.v1.IngressServiceBackend": { 1: ["name", "string"], 2: ["port", "networking.v1.ServiceBackendPort"] },
  "networking.v1.IngressSpec": { 1: ["defaultBackend", "networking.v1.IngressBackend", "p"], 2: ["tls", "networking.v1.IngressTLS", "r"], 3: ["rules", "networking.v1.IngressRule", "r"], 4: ["ingressClassName", "string", "p"] },
  "networking.v1.IngressStatus": { 1: ["loadBalancer", "networking.v1.IngressLoadBalancerStatus"] },
  "networking.v1.IngressTLS": { 1: ["hosts", "string", "r"], 2: ["secretName", "string"] },
  "networking.v1.NetworkPolicy": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "networking.v1.NetworkPolicySpec"] },
  "networking.v1.NetworkPolicyEgressRule": { 1: ["ports", "networking.v1.NetworkPolicyPort", "r"], 2: ["to", "networking.v1.NetworkPolicyPeer", "r"] },
  "networking.v1.NetworkPolicyIngressRule": { 1: ["ports", "networking.v1.NetworkPolicyPort", "r"], 2: ["from", "networking.v1.NetworkPolicyPeer", "r"] },
  "networking.v1.NetworkPolicyList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "networking.v1.NetworkPolicy", "r"] },
  "networking.v1.NetworkPolicyPeer": { 1: ["podSelector", "meta.v1.LabelSelector", "p"], 2: ["namespaceSelector", "meta.v1.LabelSelector", "p"], 3: ["ipBlock", "networking.v1.IPBlock", "p"] },
  "networking.v1.NetworkPolicyPort": { 1: ["protocol", "string", "p"], 2: ["port", "intstr.IntOrString", "p"], 3: ["endPort", "int32", "p"] },
  "networking.v1.NetworkPolicySpec": { 1: ["podSelector", "meta.v1.LabelSelector"], 2: ["ingress", "networking.v1.NetworkPolicyIngressRule", "r"], 3: ["egress", "networking.v1.NetworkPolicyEgressRule", "r"], 4: ["policyTypes", "string", "r"] },
  "networking.v1.ParentReference": { 1: ["group", "string"], 2: ["resource", "string"], 3: ["namespace", "string"], 4: ["name", "string"] },
  "networking.v1.ServiceBackendPort": { 1: ["name", "string"], 2: ["number", "int32", "z"] },
  "networking.v1.ServiceCIDR": { 1: ["metadata", "meta.v1.ObjectMeta"], 2: ["spec", "networking.v1.ServiceCIDRSpec"], 3: ["status", "networking.v1.ServiceCIDRStatus"] },
  "networking.v1.ServiceCIDRList": { 1: ["metadata", "meta.v1.ListMeta"], 2: ["items", "networking.v1.ServiceCIDR", "r"] },
  "networking.v1.ServiceCIDRSpec": { 1: ["cidrs", "string", "r"] },
  "networking.v1.ServiceCIDRStatus": { 1: ["conditions", "meta.v1.Condition", "r"] },
};
