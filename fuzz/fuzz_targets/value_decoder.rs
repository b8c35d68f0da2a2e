#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spanner_fuzz::value_decoder(data));
