"""The index, source pages, downloads, bulk actions and replies of the journalist interface."""

from __future__ import annotations

import html
import io
import zipfile
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from securedrop import db
from securedrop.models import Reply, SeenFile, SeenMessage, Source, Submission
from securedrop.services import Services
from securedrop.storage.shredder import empty_shredder
from tests.conftest import Decryptor
from tests.functional import source_journey
from tests.functional.api_world import count_rows, seed_source
from tests.functional.journalist_journey import Account, Clock, logged_in, post, source_row


def filenames(services: Services, filesystem_id: str) -> list[str]:
    with services.sessions() as session:
        source = session.scalar(select(Source).where(Source.filesystem_id == filesystem_id))
        assert source is not None
        return sorted([s.filename for s in source.submissions] + [r.filename for r in source.replies])


def store_files(services: Services) -> list[str]:
    return sorted(p.name for p in services.store.root.rglob("*") if p.is_file())


@pytest.fixture
def client(journalist_client: FlaskClient, journalist: Account, clock: Clock) -> FlaskClient:
    return logged_in(journalist_client, journalist, clock)


@pytest.fixture
def fsid(services: Services) -> str:
    return seed_source(services).filesystem_id


def designation(services: Services, filesystem_id: str) -> str:
    found = source_row(services, filesystem_id)
    assert found is not None
    return found.journalist_designation


# -- index -------------------------------------------------------------------------------
def test_index_lists_live_sources_starred_first_with_unread_counts(
    client: FlaskClient, services: Services
) -> None:
    first = seed_source(services).filesystem_id
    second = seed_source(services, document=None).filesystem_id
    starred = seed_source(services).filesystem_id
    with db.unit_of_work(services.sessions) as session:
        pending = Source(filesystem_id="PENDING", journalist_designation="pending person", public_key="k",
                         fingerprint="F" * 40, sealed_secret_key=b"x")
        session.add(pending)
        for source in session.scalars(select(Source)):
            if source.filesystem_id == starred:
                source.is_starred = True
                source.last_updated = datetime(2020, 1, 1, tzinfo=UTC)
    html = client.get("/").get_data(as_text=True)
    order = [html.index(designation(services, f)) for f in (starred, second, first)]
    assert order == sorted(order)
    assert "pending person" not in html
    assert '<span class="badge">2</span>' in html and '<span class="badge">1</span>' in html
    assert "1 message, 0 documents" in html


def test_unread_count_is_per_journalist(
    client: FlaskClient, fsid: str, services: Services, make_account, journalist_app, clock: Clock
) -> None:
    name = filenames(services, fsid)[0]
    assert client.get(f"/col/{fsid}/{name}").status_code == 200
    assert '<span class="badge">1</span>' in client.get("/").get_data(as_text=True)
    colleague = logged_in(journalist_app.test_client(), make_account("colleague"), clock)
    assert '<span class="badge">2</span>' in colleague.get("/").get_data(as_text=True)


def test_designation_filter_works_without_javascript(client: FlaskClient, services: Services) -> None:
    one, two = seed_source(services).filesystem_id, seed_source(services).filesystem_id
    wanted = designation(services, one)
    html = client.get("/", query_string={"filter": wanted.split()[0].upper()}).get_data(as_text=True)
    assert wanted in html
    if designation(services, two).split()[0] != wanted.split()[0]:
        assert designation(services, two) not in html
    empty = client.get("/", query_string={"filter": "%_no-such"}).get_data(as_text=True)
    assert "No source matches that filter." in empty


def test_select_links_check_boxes_without_javascript(client: FlaskClient, fsid: str) -> None:
    assert " checked" not in client.get("/").get_data(as_text=True)
    assert f'value="{fsid}" aria-label' in client.get("/?select=all").get_data(as_text=True)
    assert " checked" in client.get("/?select=unread").get_data(as_text=True)


def test_index_paginates(client: FlaskClient, services: Services) -> None:
    rows = [
        {"filesystem_id": f"FS{i:04d}", "journalist_designation": f"source number{i:04d}", "pending": False,
         "public_key": "k", "fingerprint": f"{i:040d}", "sealed_secret_key": b"x", "uuid": f"u{i}",
         "last_updated": datetime(2024, 1, 1, tzinfo=UTC), "is_starred": False, "interaction_count": 0}
        for i in range(150)
    ]
    with db.unit_of_work(services.sessions) as session:
        session.execute(Source.__table__.insert(), rows)
    first = client.get("/").get_data(as_text=True)
    assert "Page 1 of 2 (150 sources)" in first and first.count('name="cols_selected"') == 100
    second = client.get("/?page=2").get_data(as_text=True)
    assert second.count('name="cols_selected"') == 50
    assert client.get("/?page=abc").status_code == 200


# -- source page and downloads --------------------------------------------------------------
def test_source_page_lists_conversation_in_order(client: FlaskClient, fsid: str, services: Services) -> None:
    html = client.get(f"/col/{fsid}").get_data(as_text=True)
    names = filenames(services, fsid)
    assert html.index(names[0]) < html.index(names[1])
    assert designation(services, fsid) in html


def test_unknown_source_is_a_clear_404(client: FlaskClient) -> None:
    response = client.get("/col/NOSUCHSOURCE")
    assert response.status_code == 404
    assert "No source with that ID could be found." in response.get_data(as_text=True)


def test_download_one_file_marks_it_seen(client: FlaskClient, fsid: str, services: Services,
                                         decryptor: Decryptor) -> None:
    message = next(n for n in filenames(services, fsid) if n.endswith("-msg.gpg"))
    response = client.get(f"/col/{fsid}/{message}")
    assert response.status_code == 200
    assert response.mimetype == "application/pgp-encrypted"
    assert response.headers["Content-Disposition"] == f"attachment; filename={message}"
    assert response.headers["ETag"].startswith('"sha256:')
    assert decryptor.decrypt(response.get_data()) == b"A message for the newsroom."
    assert count_rows(services, SeenMessage) == 1 and count_rows(services, SeenFile) == 0
    client.get(f"/col/{fsid}/{message}")
    assert count_rows(services, SeenMessage) == 1


@pytest.mark.parametrize(
    ("name", "status", "text"),
    [
        ("1-..-msg.gpg", 400, "That is not a valid file name."),
        ("..", 400, "That is not a valid file name."),
        ("../../etc/passwd", 400, "That is not a valid file name."),
        ("99-nobody-msg.gpg", 404, "That file could not be found."),
    ],
)
def test_bad_file_names_are_refused(
    client: FlaskClient, fsid: str, services: Services, name: str, status: int, text: str
) -> None:
    response = client.get(f"/col/{fsid}/{name}")
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert count_rows(services, SeenMessage) + count_rows(services, SeenFile) == 0


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_bulk_download_selected_zip_is_removed_once_sent(
    client: FlaskClient, fsid: str, services: Services, decryptor: Decryptor
) -> None:
    names = filenames(services, fsid)
    response = post(client, "/bulk", {"filesystem_id": fsid, "action": "download", "doc_names_selected": names},
                    page=f"/col/{fsid}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    jfn = designation(services, fsid).replace(" ", "_")
    assert response.headers["Content-Disposition"].startswith(f"attachment; filename={jfn}--")
    entries = read_zip(response.get_data())
    response.close()
    assert len(entries) == 2 and all(name.startswith(f"{jfn}/") for name in entries)
    message = next(v for k, v in entries.items() if k.endswith("-msg.gpg"))
    assert decryptor.decrypt(message) == b"A message for the newsroom."
    assert list(services.settings.tmp_dir.glob("*.zip")) == []
    assert count_rows(services, SeenMessage) == 1 and count_rows(services, SeenFile) == 1


def test_download_unread_zips_only_unseen(client: FlaskClient, fsid: str, services: Services) -> None:
    message = next(n for n in filenames(services, fsid) if n.endswith("-msg.gpg"))
    client.get(f"/col/{fsid}/{message}")
    response = client.get(f"/download_unread/{fsid}")
    assert [name.rsplit("/", 1)[1] for name in read_zip(response.get_data())] == [
        n for n in filenames(services, fsid) if n.endswith("-doc.gz.gpg")
    ]
    response.close()
    again = client.get(f"/download_unread/{fsid}")
    assert again.status_code == 302
    assert "No unread submissions" in client.get(f"/col/{fsid}").get_data(as_text=True)


def test_bulk_delete_selected(client: FlaskClient, fsid: str, services: Services) -> None:
    names = filenames(services, fsid)
    response = post(client, "/bulk", {"filesystem_id": fsid, "action": "delete", "doc_names_selected": names[:1]},
                    page=f"/col/{fsid}")
    assert response.status_code == 302
    assert filenames(services, fsid) == names[1:]
    assert store_files(services) == names[1:]
    assert len(list(services.store.shredder.iterdir())) == 1
    empty_shredder(services.store.shredder, passes=1)


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"action": "delete"}, 302, "No files selected."),
        ({"action": "download"}, 302, "No files selected."),
        ({"action": "explode", "doc_names_selected": ["1-x-msg.gpg"]}, 400, "Unknown action."),
        ({"action": "delete", "doc_names_selected": ["1-..-msg.gpg"]}, 400, "That is not a valid file name."),
        ({"action": "delete", "doc_names_selected": ["1-x-msg.gpg", "77-nobody-msg.gpg"]}, 404,
         "That file could not be found."),
    ],
)
def test_bulk_bad_input_changes_nothing(
    client: FlaskClient, fsid: str, services: Services, data: dict[str, object], status: int, text: str
) -> None:
    names = filenames(services, fsid)
    if "1-x-msg.gpg" in data.get("doc_names_selected", []):
        data = {**data, "doc_names_selected": [names[0], *data["doc_names_selected"][1:]]}
    response = post(client, "/bulk", {"filesystem_id": fsid, **data}, page=f"/col/{fsid}")
    assert response.status_code == status
    html = client.get(f"/col/{fsid}").get_data(as_text=True) if status == 302 else response.get_data(as_text=True)
    assert text in html
    assert filenames(services, fsid) == names and store_files(services) == names


# -- /col/process -----------------------------------------------------------------------------
def process(client: FlaskClient, action: str, selected: list[str]):
    return post(client, "/col/process", {"action": action, "cols_selected": selected})


def test_process_star_and_unstar(client: FlaskClient, fsid: str, services: Services) -> None:
    assert process(client, "star", [fsid]).status_code == 302
    assert source_row(services, fsid).is_starred
    assert process(client, "un-star", [fsid]).status_code == 302
    assert not source_row(services, fsid).is_starred


def test_process_download_all_and_unread_across_sources(client: FlaskClient, services: Services) -> None:
    one, two = seed_source(services).filesystem_id, seed_source(services).filesystem_id
    response = process(client, "download-all", [one, two])
    entries = read_zip(response.get_data())
    response.close()
    assert len(entries) == 4
    assert {name.split("/")[0] for name in entries} == {designation(services, one), designation(services, two)}
    assert response.headers["Content-Disposition"].startswith("attachment; filename=all--")
    assert count_rows(services, SeenFile) + count_rows(services, SeenMessage) == 4
    assert process(client, "download-unread", [one, two]).status_code == 302


def test_process_delete_accounts(client: FlaskClient, services: Services) -> None:
    one, two = seed_source(services).filesystem_id, seed_source(services).filesystem_id
    response = process(client, "delete", [one])
    assert response.status_code == 302
    assert source_row(services, one) is None and source_row(services, two) is not None
    assert not services.store.source_dir(one).exists()
    assert designation(services, two) in client.get("/").get_data(as_text=True)


def test_process_delete_data_keeps_account(client: FlaskClient, fsid: str, services: Services) -> None:
    assert process(client, "delete-data", [fsid]).status_code == 302
    assert source_row(services, fsid) is not None
    assert filenames(services, fsid) == [] and store_files(services) == []


@pytest.mark.parametrize(
    ("action", "selected", "status", "text"),
    [
        ("star", [], 302, "No collections selected."),
        ("delete", [], 302, "No collections selected."),
        ("launch", ["FS"], 400, "Unknown action."),
        ("delete", ["UNKNOWN"], 404, "No source with that ID could be found."),
    ],
)
def test_process_bad_input_changes_nothing(
    client: FlaskClient, fsid: str, services: Services, action: str, selected: list[str], status: int, text: str
) -> None:
    selected = [fsid if s == "FS" else s for s in selected]
    if action == "delete" and selected:
        selected = [fsid, *selected]
    response = process(client, action, selected)
    assert response.status_code == status
    html = client.get("/").get_data(as_text=True) if status == 302 else response.get_data(as_text=True)
    assert text in html
    assert source_row(services, fsid) is not None and len(filenames(services, fsid)) == 2
    assert not source_row(services, fsid).is_starred


def test_star_routes(client: FlaskClient, fsid: str, services: Services) -> None:
    assert post(client, f"/col/add_star/{fsid}").headers["Location"] == "/"
    assert source_row(services, fsid).is_starred
    post(client, f"/col/remove_star/{fsid}")
    assert not source_row(services, fsid).is_starred
    assert post(client, "/col/add_star/NOSUCH").status_code == 404


def test_delete_source_from_its_page(client: FlaskClient, fsid: str, services: Services) -> None:
    name = designation(services, fsid)
    response = post(client, f"/col/delete/{fsid}", page=f"/col/{fsid}")
    assert response.status_code == 302
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert f'The account and data for the source "{name}" have been deleted.' in page
    assert source_row(services, fsid) is None and store_files(services) == []


# -- replies -------------------------------------------------------------------------------------
def test_empty_reply_is_refused(client: FlaskClient, fsid: str, services: Services) -> None:
    response = post(client, "/reply", {"filesystem_id": fsid, "message": "   "}, page=f"/col/{fsid}")
    assert response.status_code == 302
    assert "You cannot send an empty reply." in client.get(f"/col/{fsid}").get_data(as_text=True)
    assert count_rows(services, Reply) == 0 and len(store_files(services)) == 2


def test_reply_to_unknown_source(client: FlaskClient, services: Services) -> None:
    response = post(client, "/reply", {"filesystem_id": "NOSUCH", "message": "hello"})
    assert response.status_code == 404 and count_rows(services, Reply) == 0


def test_reply_decrypts_with_the_submission_key(
    client: FlaskClient, fsid: str, services: Services, decryptor: Decryptor
) -> None:
    response = post(client, "/reply", {"filesystem_id": fsid, "message": "We read it. Thank you."},
                    page=f"/col/{fsid}")
    assert response.status_code == 302
    assert "The source will receive your reply next time they log in." in client.get(
        f"/col/{fsid}").get_data(as_text=True)
    with services.sessions() as session:
        reply = session.scalars(select(Reply)).one()
        assert reply.filename == f"3-{designation(services, fsid).replace(' ', '_')}-reply.gpg"
    assert count_rows(services, Submission) == 2
    data = services.store.path(fsid, reply.filename).read_bytes()
    assert decryptor.decrypt(data) == b"We read it. Thank you."


def test_source_reads_the_reply_on_next_login(
    client: FlaskClient, source_client: FlaskClient, services: Services
) -> None:
    codename = source_journey.create(source_client)
    assert source_journey.submit(source_client, "Hello from a source.").status_code == 302
    source_journey.logout(source_client)
    with services.sessions() as session:
        fsid = session.scalars(select(Source.filesystem_id)).one()
    text = "Thanks — can you tell us more?"
    post(client, "/reply", {"filesystem_id": fsid, "message": text}, page=f"/col/{fsid}")
    assert source_journey.login(source_client, codename).status_code == 302
    html = source_client.get("/lookup").get_data(as_text=True)
    assert text in html
