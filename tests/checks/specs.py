"""Small specs for the check's tests (AWS only: they load in milliseconds)."""

from __future__ import annotations

SMALL = """\
netpath: 1
vpcs:
  prod:
    cidr: 10.0.0.0/16
    region: us-east-1
    internet_gateway: igw-prod
    subnets:
      public-a: {cidr: 10.0.1.0/24, az: us-east-1a, route_table: rt-public}
      app-a: {cidr: 10.0.10.0/24, az: us-east-1a, route_table: rt-app}
    route_tables:
      rt-public: {routes: {0.0.0.0/0: igw-prod}}
      rt-app: {routes: {0.0.0.0/0: nat-a}}
    nat_gateways:
      nat-a: {subnet: public-a, private_ip: 10.0.1.20, elastic_ip: 198.51.100.10}
    security_groups:
      sg-app:
        ingress:
          - {protocol: tcp, port: 8080, cidr: 10.0.0.0/16}
    instances:
      app-1: {subnet: app-a, private_ip: 10.0.10.10, security_groups: [sg-app]}
      app-2: {subnet: app-a, private_ip: 10.0.10.11, security_groups: [sg-app]}
internet_hosts:
  api.example.com: 192.0.2.80
"""

# Holds on SMALL: app-1 reaches app-2 on 8080, and the internet through nat-a.
GOOD = """\
netpath-expect: 1
expectations:
  - name: app tier talks to itself
    from: app-1
    to: app-2
    port: 8080
    reachable: true
  - from: app-1
    to: api.example.com
    reachable: true
    via: [nat-a]
    source_ip_seen: 198.51.100.10
"""

# Fails on SMALL: SSH between the app instances is not allowed.
BAD = """\
netpath-expect: 1
expectations:
  - name: ssh inside the app tier
    from: app-1
    to: app-2
    port: 22
    reachable: true
"""

SECTION = """\
expect:
  expectations:
    - {from: app-1, to: app-2, port: 8080, reachable: true}
    - {from: app-1, to: app-2, port: 22, code: SG_INGRESS_DENIED}
"""
