"""Tor onion services through tor's control port: the project's only importer of stem.

keys: addresses, client and service keys (no tor needed); commands: ADD_ONION and
DEL_ONION built from validated input (no tor needed); circuits: a service's rendezvous
circuits in circuit-status (no tor needed); controller: publish, republish and remove
services, close their open connections; launch: a tor process of our own.
"""

from securedrop.onion.commands import Ports
from securedrop.onion.controller import MIN_TOR_VERSION, POW_TOR_VERSION, OnionController, PublishedService
from securedrop.onion.errors import (
    CorruptKey,
    InsecurePermissions,
    InvalidAddress,
    InvalidClientKey,
    InvalidTarget,
    NoClientKeys,
    OnionError,
    PublishFailed,
    TorAuthFailed,
    TorLaunchFailed,
    TorTooOld,
    TorUnavailable,
)
from securedrop.onion.keys import (
    SERVICE_KEY_TYPE,
    ClientKey,
    auth_private_file_text,
    check_service_key,
    client_key_from_private,
    generate_client_keypair,
    generate_service_key,
    load_or_create_service_key,
    normalize_onion_address,
    onion_address_from_public_key,
    private_key_base64,
    validate_public_key,
)
from securedrop.onion.launch import launch_tor, stop_tor

__all__ = [
    "MIN_TOR_VERSION",
    "POW_TOR_VERSION",
    "SERVICE_KEY_TYPE",
    "ClientKey",
    "CorruptKey",
    "InsecurePermissions",
    "InvalidAddress",
    "InvalidClientKey",
    "InvalidTarget",
    "NoClientKeys",
    "OnionController",
    "OnionError",
    "Ports",
    "PublishFailed",
    "PublishedService",
    "TorAuthFailed",
    "TorLaunchFailed",
    "TorTooOld",
    "TorUnavailable",
    "auth_private_file_text",
    "check_service_key",
    "client_key_from_private",
    "generate_client_keypair",
    "generate_service_key",
    "launch_tor",
    "load_or_create_service_key",
    "normalize_onion_address",
    "onion_address_from_public_key",
    "private_key_base64",
    "stop_tor",
    "validate_public_key",
]
