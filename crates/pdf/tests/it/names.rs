//! A certificate's names as report text: our quick RFC 4514 writer gives what `x509-cert`'s
//! `Display` gives, for every attribute type it knows by keyword and for the others.

use std::str::FromStr as _;

use der::asn1::{Any, ObjectIdentifier, PrintableStringRef, Utf8StringRef};
use der::{Decode as _, Encode as _};
use signet_pdf::verify::certificate::name_text;
use signet_pki::names::parse_name;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

#[test]
fn name_text_is_the_rfc4514_display_of_x509_cert() {
    // Our own parser: UTF8String values, PrintableString for C and serialNumber.
    let ours = [
        "CN=测试科技有限公司,O=测试科技有限公司,serialNumber=91110000MA01ABCD1X,C=CN",
        r"CN=\#hash first,OU=Unit\, with comma,L=Hai Dian,ST=Bei Jing,O=A\+B\;C\<D\>E",
        r"CN=quote\22 and backslash\5C",
        "CN=x,emailAddress=a@example.test",
    ];
    for text in ours {
        let name = parse_name(text).unwrap();
        assert_eq!(name_text(&name), name.to_string(), "{text}");
    }
    // x509-cert's parser: multi-valued RDNs, types we have no keyword for (DC, UID, title),
    // control characters.
    let theirs = [
        "CN=a+O=b,C=CN",
        "DC=example,DC=test,UID=jdoe,title=Director",
        "CN=tab\\09inside,O=#0403616263",
        "CN=Bench Signer,C=CN",
    ];
    for text in theirs {
        let name = Name::from_str(text).unwrap();
        assert!(!name.to_string().is_empty(), "{text}");
        assert_eq!(name_text(&name), name.to_string(), "{text}");
    }
    assert_eq!(name_text(&Name::default()), "");
    // Values our parser trims: spaces at either end, a leading `#`, control characters, made
    // as DER directly (UTF8String and PrintableString).
    for value in [" both ends ", "#first", "line\nbreak", "tail ", "x"] {
        let utf8 = Any::from(Utf8StringRef::new(value).unwrap());
        let name = one_attribute(COMMON_NAME, utf8);
        assert_eq!(name_text(&name), name.to_string(), "{value:?}");
    }
    let printable = Any::from(PrintableStringRef::new(" CN ").unwrap());
    let name = one_attribute(COUNTRY, printable);
    assert_eq!(name_text(&name), name.to_string());
    assert_eq!(name_text(&name), r"C=\ CN\ ");
}

const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const COUNTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");

fn one_attribute(oid: ObjectIdentifier, value: Any) -> Name {
    let rdn =
        RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue { oid, value }]).unwrap();
    Name::from_der(&RdnSequence::from(vec![rdn]).to_der().unwrap()).unwrap()
}
