"""JUnit XML for CI, as `nbattr verify` and `nbattr audit` write it: one test suite, properties
that say what was checked, test cases that fail or only report."""

from __future__ import annotations

from xml.etree import ElementTree


def suite(name: str, properties: dict[str, str]) -> ElementTree.Element:
    element = ElementTree.Element("testsuite", name=name, errors="0")
    listed = ElementTree.SubElement(element, "properties")
    for key, value in properties.items():
        ElementTree.SubElement(listed, "property", name=key, value=value)
    return element


def command_suite(
    command: str, role_arn: str, regions: list[str], counts: dict[str, int | str]
) -> ElementTree.Element:
    """The suite of one `nbattr` command's run: the role, the regions, then its own counts."""
    properties = {"role_arn": role_arn, "regions": ",".join(regions)}
    properties.update({key: str(value) for key, value in counts.items()})
    return suite(f"nbattr {command}", properties)


def findings_case(
    suite: ElementTree.Element, classname: str, name: str, found: list[str], flag: str, fail: bool
) -> bool:
    """A test case for one kind of finding: failed when `fail` and there are findings."""
    case = ElementTree.SubElement(suite, "testcase", classname=classname, name=name)
    if found and fail:
        failure = ElementTree.SubElement(
            case, "failure", message=f"{len(found)} found", type=name.replace(" ", "-")
        )
        failure.text = "\n".join(found)
    else:
        note = f" (reported only; {flag} fails on them)" if found else ""
        ElementTree.SubElement(case, "system-out").text = "\n".join(
            [f"{len(found)} found{note}", *found]
        )
    return bool(found and fail)


def render(suite: ElementTree.Element, tests: int, failures: int, seconds: float) -> str:
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("time", f"{seconds:.3f}")
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
