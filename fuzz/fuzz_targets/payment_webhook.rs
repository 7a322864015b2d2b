//! A payment provider callback at `POST /webhooks/payments/sandbox` of a payments subgraph on
//! SQLite. The first byte chooses the signature: none, the input's own header (the bytes up
//! to the first newline), or a genuine one made with the secret over the rest, so the fuzzer
//! reaches the body parsing and the payment rules behind the signature check too. A crash, a
//! hang or a 5xx is a finding.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use micromall_fuzz::Target;
use micromall_payments::sandbox::signature;

const SECRET: &str = "fuzz-webhook-secret-0123456789abcdef";

static TARGET: LazyLock<Target> = LazyLock::new(|| {
    Target::start(&micromall_payments::SUBGRAPH, |settings| {
        settings.payments.sandbox.secret = Some(SECRET.into());
    })
});

fuzz_target!(|input: &[u8]| {
    let Some((&mode, rest)) = input.split_first() else {
        return;
    };
    let (header, body) = match mode % 3 {
        0 => (None, rest),
        1 => {
            let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let header = String::from_utf8_lossy(&rest[..split]).into_owned();
            (Some(header), rest.get(split + 1..).unwrap_or_default())
        }
        _ => {
            let now = chrono::Utc::now().timestamp();
            (Some(signature::sign(SECRET.as_bytes(), now, rest)), rest)
        }
    };
    let target = &*TARGET;
    let status = target.runtime.block_on(async {
        let url = format!("{}/webhooks/payments/sandbox", target.subgraph.base_url());
        let mut request = target.http.post(url).body(body.to_vec());
        if let Some(header) = header {
            request = request.header(signature::HEADER, header);
        }
        match request.send().await {
            Ok(response) => Some(response.status()),
            // A header value no HTTP client will send (control bytes) never reaches us.
            Err(err) if err.is_builder() => None,
            Err(err) => panic!("payments did not answer: {err}"),
        }
    });
    if let Some(status) = status {
        assert!(!status.is_server_error(), "HTTP {status}");
    }
});
