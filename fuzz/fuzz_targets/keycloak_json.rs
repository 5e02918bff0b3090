//! Keycloak Admin REST API bodies: the input is parsed (`serde_json::from_slice`, as the
//! admin API's `JsonBody` extractor does) into every representation type of
//! `portcullis_types::keycloak` and the list shapes the API accepts or returns. Each value
//! that parses is serialised again; that JSON must parse back into the same type and
//! serialise to the same bytes (a stable round trip: what the server returns can be sent
//! back, as Keycloak clients do with GET-modify-PUT).
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_types::keycloak::{
    ClientRepresentation, ClientScopeRepresentation, ClientSecretRepresentation, CredentialRepresentation,
    ErrorRepresentation, ProtocolMapperRepresentation, RealmRepresentation, RoleRepresentation, UserRepresentation,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn round_trip<T: DeserializeOwned + Serialize>(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<T>(data) else { return };
    let name = std::any::type_name::<T>();
    let first = serde_json::to_vec(&value).unwrap_or_else(|e| panic!("{name}: cannot serialise a parsed value: {e}"));
    let again: T = serde_json::from_slice(&first)
        .unwrap_or_else(|e| panic!("{name}: own JSON does not parse: {e}: {}", String::from_utf8_lossy(&first)));
    let second = serde_json::to_vec(&again).unwrap_or_else(|e| panic!("{name}: cannot serialise: {e}"));
    assert_eq!(
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second),
        "{name}: serialise/parse/serialise is not stable"
    );
}

fuzz_target!(|data: &[u8]| {
    round_trip::<ClientRepresentation>(data);
    round_trip::<RealmRepresentation>(data);
    round_trip::<UserRepresentation>(data);
    round_trip::<CredentialRepresentation>(data);
    round_trip::<RoleRepresentation>(data);
    round_trip::<ClientScopeRepresentation>(data);
    round_trip::<ProtocolMapperRepresentation>(data);
    round_trip::<ClientSecretRepresentation>(data);
    round_trip::<ErrorRepresentation>(data);
    // List bodies and responses of the admin API.
    round_trip::<Vec<ProtocolMapperRepresentation>>(data);
    round_trip::<Vec<RoleRepresentation>>(data);
    round_trip::<Vec<ClientRepresentation>>(data);
    round_trip::<Vec<RealmRepresentation>>(data);
    round_trip::<Vec<UserRepresentation>>(data);
    round_trip::<Vec<ClientScopeRepresentation>>(data);
});
