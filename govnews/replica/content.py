"""Deterministic content of the replica portals.

The Châu Thành site holds the seed article (id 397719, verbatim from ``../shared/seed``) and
``DEFAULT_ARTICLES - 1`` = 72 other articles generated from templates and vocabulary lists with a
fixed random seed: the same ids, titles, dates, bodies and view counts on every run, never
depending on today's date.  ``build_site_content(articles=N)`` makes a bigger site (N articles in
total, seed included) for benchmarks.

Ids grow with the publication date: the older articles have ids below the seed's (from about
380000), a few newer ones have ids above it.  All dates lie between 2022-01-04 and 2024-12-27.

Variants, spread over the articles (see ``SiteContent.variants``):

* exactly one article has no view counter (``view_count is None``);
* date styles ``Ngày 05/03/2024`` (``ngay``), ``05/03/2024 08:30`` (``datetime``) and
  ``Ngày 05 tháng 3 năm 2024`` (``long``); the seed uses ``datetime``;
* view labels ``Lượt xem`` (most), ``Lượt đọc`` and ``Số lần xem``;
* some view counts ≥ 1000, rendered with thousands dots (one is exactly 1234 → ``1.234``);
* two articles with a PDF attachment under ``/Upload/1308/…`` (one with a percent-encoded
  Vietnamese file name), about a quarter with an image and italic caption;
* titles and bodies with ``thủy``/``hòa`` and with the old tone placement ``thuỷ``/``hoà``, and
  with ``đ``/``Đ`` (``Đắk Lắk``, ``đường``, ``đất đai``).

``SiteContent`` is the one mutable object per site: the server keys its page cache on
``SiteContent.version``, so every mutation (``publish``, ``edit``, ``remove``, ``update_site``,
``set_down``) invalidates the rendered pages.
"""

from __future__ import annotations

import random
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import quote

from govnews.replica.render import Article, SiteInfo
from govnews.replica.sites import CHAUTHANH, seed_article_data

#: Articles of the default site, seed included.
DEFAULT_ARTICLES = 73
SEED_ID = 397719
PAGE_SIZE = 10
HOT_COUNT = 5
#: Ids of the default site's special articles (also exposed as ``SiteContent.variants``).
NO_COUNTER_ID_INDEX = 11  # index among the other articles, oldest first
RANDOM_SEED = 1308

# share of the *other* articles per category (largest remainder), in sites.py order
CATEGORY_WEIGHTS = {1001: 27, 1002: 16, 1003: 15, 1004: 14}

FIRST_DAY = datetime(2022, 1, 4)
LAST_DAY = datetime(2024, 12, 27)


def slugify(text: str) -> str:
    """vnPortal-style URL slug: diacritics removed, đ→d, case kept, words joined by '-'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


# -- vocabulary ----------------------------------------------------------------------------

UNITS = [
    ("xã", "Hồ Đắc Kiện"), ("xã", "Phú Tâm"), ("xã", "An Hiệp"), ("xã", "Thuận Hòa"),
    ("xã", "An Ninh"), ("xã", "Phú Tân"), ("xã", "Thiện Mỹ"), ("thị trấn", "Châu Thành"),
]
HAMLETS = [
    "Phú Hữu", "Đắc Thắng", "Trà Quýt A", "Phước Thuận", "Bưng Tróp", "Sóc Vồ", "Mỹ Hòa",
    "Xây Cáp", "Đắc Lực", "Phú Thành", "Hòa Mỹ", "Thọ Hòa Đông", "Châu Thành", "An Trạch",
]
AUTHORS = [
    "Minh Thư - Phòng VH&TT", "Thanh Tâm - TTVH-TT", "Hữu Lợi - Phòng NN&PTNT",
    "Ngọc Hân - Phòng NV", "Kim Ngân - VP HĐND-UBND", "Quốc Đạt - Phòng TN&MT",
    "Bảo Trân - Phòng GD&ĐT", "Văn Đông - Phòng KT-HT", "Thu Hà - Phòng YT",
]
OCCASIONS = ["Tết Nguyên đán", "ngày Thương binh - Liệt sĩ 27/7", "Tết Chôl Chnăm Thmây", "Lễ Sen Đôlta"]
QUARTERS = ["quý I", "6 tháng đầu năm", "9 tháng đầu năm", "quý IV"]
MODELS = [
    "Dân vận khéo", "Tuyến đường hoa nông thôn mới", "Camera an ninh", "Tổ hòa giải kiểu mẫu",
    "Chi hội phụ nữ 5 không 3 sạch", "Điểm sáng chuyển đổi số",
]

# category -> [(title template, lead template, image caption template)]
TEMPLATES: dict[int, list[tuple[str, str, str]]] = {
    1001: [
        ("Huyện Châu Thành tổ chức Hội nghị sơ kết công tác {quarter} năm {year}",
         "Sáng ngày {day}, Ủy ban nhân dân huyện Châu Thành tổ chức Hội nghị sơ kết tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội, quốc phòng - an ninh {quarter} năm {year} và triển khai phương hướng, nhiệm vụ thời gian tới.",
         "Quang cảnh Hội nghị sơ kết {quarter} năm {year}"),
        ("{Unit} ra mắt mô hình “{model}”",
         "Nhằm phát huy vai trò của Nhân dân trong xây dựng khối đại đoàn kết toàn dân tộc, Ủy ban MTTQ Việt Nam {unit} phối hợp với các ngành tổ chức ra mắt mô hình “{model}” tại ấp {hamlet}.",
         "Ra mắt mô hình “{model}” tại ấp {hamlet}"),
        ("Đoàn công tác tỉnh Đắk Lắk đến thăm và làm việc tại {unit}",
         "Ngày {day}, Đoàn công tác của tỉnh Đắk Lắk đã đến thăm và làm việc tại huyện Châu Thành nhằm trao đổi kinh nghiệm về công tác xây dựng nông thôn mới, phát triển thủy lợi nội đồng và chuyển đổi số cấp huyện.",
         "Đoàn công tác tỉnh Đắk Lắk làm việc tại {unit}"),
        ("Lãnh đạo huyện thăm, tặng quà gia đình chính sách {unit} nhân dịp {occasion}",
         "Nhân dịp {occasion}, đoàn công tác của Huyện ủy, Hội đồng nhân dân, Ủy ban nhân dân, Ủy ban MTTQ Việt Nam huyện Châu Thành đã đến thăm, tặng quà các gia đình chính sách, hộ nghèo trên địa bàn {unit}.",
         "Lãnh đạo huyện trao quà cho gia đình chính sách {unit}"),
        ("Hội nghị tổng kết công tác phòng, chống thiên tai và tìm kiếm cứu nạn năm {year}",
         "Ban Chỉ huy Phòng, chống thiên tai, tìm kiếm cứu nạn và phòng thủ dân sự huyện Châu Thành tổ chức Hội nghị tổng kết công tác năm {year}, triển khai nhiệm vụ năm {next_year} trong bối cảnh thời tiết diễn biến ngày càng phức tạp.",
         "Khen thưởng tập thể, cá nhân có thành tích trong công tác phòng, chống thiên tai"),
        ("{Unit} tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở ấp {hamlet}",
         "Hưởng ứng Ngày hội Đại đoàn kết toàn dân tộc năm {year}, Ban Công tác Mặt trận ấp {hamlet}, {unit} đã tổ chức Ngày hội với sự tham dự đông đủ của bà con Nhân dân các dân tộc Kinh, Khmer, Hoa trong ấp.",
         "Ngày hội Đại đoàn kết toàn dân tộc ở ấp {hamlet}"),
        ("Khánh thành tuyến đường giao thông nông thôn ấp {hamlet}, {unit}",
         "Tuyến đường giao thông nông thôn ấp {hamlet}, {unit} dài hơn {km} km được đầu tư từ nguồn vốn Chương trình mục tiêu quốc gia xây dựng nông thôn mới và vốn đối ứng của Nhân dân đã chính thức đưa vào sử dụng.",
         "Cắt băng khánh thành tuyến đường ấp {hamlet}"),
        ("Huyện Châu Thành tiếp xúc cử tri trước kỳ họp thứ {n} Hội đồng nhân dân tỉnh",
         "Tổ đại biểu Hội đồng nhân dân tỉnh đơn vị huyện Châu Thành đã tiếp xúc cử tri {unit} trước kỳ họp thứ {n}, lắng nghe ý kiến, kiến nghị của cử tri về đất đai, giao thông, thuỷ lợi và an sinh xã hội.",
         "Cử tri {unit} phát biểu ý kiến tại buổi tiếp xúc"),
        ("{Unit} triển khai công tác hoà giải ở cơ sở năm {year}",
         "Phòng Tư pháp huyện Châu Thành phối hợp với Ủy ban nhân dân {unit} tổ chức Hội nghị triển khai công tác hoà giải ở cơ sở năm {year} cho hòa giải viên các ấp trên địa bàn.",
         "Hòa giải viên ấp {hamlet} tham dự Hội nghị"),
    ],
    1002: [
        ("{Unit} đẩy mạnh chuyển đổi số trong giải quyết thủ tục hành chính",
         "Thời gian qua, Ủy ban nhân dân {unit} đã tập trung đẩy mạnh ứng dụng công nghệ thông tin, chuyển đổi số trong tiếp nhận và giải quyết thủ tục hành chính, góp phần nâng cao sự hài lòng của người dân, doanh nghiệp.",
         "Công chức Bộ phận Một cửa {unit} hướng dẫn người dân nộp hồ sơ trực tuyến"),
        ("Tập huấn sử dụng dịch vụ công trực tuyến cho cán bộ, công chức cấp xã năm {year}",
         "Nhằm nâng cao kỹ năng khai thác, sử dụng dịch vụ công trực tuyến, Phòng Nội vụ huyện Châu Thành phối hợp với Bưu điện huyện tổ chức lớp tập huấn cho cán bộ, công chức các xã, thị trấn.",
         "Quang cảnh lớp tập huấn dịch vụ công trực tuyến năm {year}"),
        ("{Unit} triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư năm {year}",
         "Ủy ban nhân dân huyện Châu Thành vừa tổ chức Hội nghị triển khai Đề án phát triển ứng dụng dữ liệu về dân cư, định danh và xác thực điện tử phục vụ chuyển đổi số quốc gia giai đoạn 2022 - 2025, tầm nhìn đến năm 2030.",
         "Công an {unit} hỗ trợ người dân kích hoạt tài khoản định danh điện tử"),
        ("Kiểm tra công tác cải cách hành chính tại Ủy ban nhân dân {unit}",
         "Đoàn kiểm tra công tác cải cách hành chính huyện Châu Thành đã kiểm tra việc thực hiện nhiệm vụ cải cách hành chính, kỷ luật, kỷ cương hành chính năm {year} tại Ủy ban nhân dân {unit}.",
         "Đoàn kiểm tra làm việc tại Bộ phận Một cửa {unit}"),
        ("Nâng cao chất lượng hoạt động Bộ phận Một cửa {unit}",
         "Xác định cải cách thủ tục hành chính là khâu đột phá, Ủy ban nhân dân {unit} đã quan tâm đầu tư trang thiết bị, bố trí công chức có năng lực làm việc tại Bộ phận Tiếp nhận và Trả kết quả.",
         "Người dân giao dịch tại Bộ phận Một cửa {unit}"),
        ("Hướng dẫn người dân {unit} thực hiện thủ tục đất đai qua Cổng Dịch vụ công quốc gia",
         "Để tạo thuận lợi cho tổ chức, cá nhân khi thực hiện thủ tục hành chính lĩnh vực đất đai, Chi nhánh Văn phòng Đăng ký đất đai huyện Châu Thành hướng dẫn người dân nộp hồ sơ qua Cổng Dịch vụ công quốc gia.",
         "Hướng dẫn người dân nộp hồ sơ đất đai trực tuyến"),
        ("Công bố kết quả Chỉ số cải cách hành chính các xã, thị trấn năm {year}",
         "Ủy ban nhân dân huyện Châu Thành vừa ban hành Quyết định công bố Chỉ số cải cách hành chính năm {year} của các xã, thị trấn; {unit} tiếp tục dẫn đầu với số điểm cao nhất.",
         "Trao giấy khen cho đơn vị dẫn đầu Chỉ số cải cách hành chính"),
        ("Thanh niên {unit} ra quân hỗ trợ người dân cài đặt ứng dụng VNeID",
         "Đoàn Thanh niên {unit} phối hợp với Công an xã tổ chức ra quân “Ngày thứ Bảy chuyển đổi số”, hỗ trợ người dân ấp {hamlet} cài đặt, kích hoạt tài khoản định danh điện tử và thanh toán không dùng tiền mặt.",
         "Đoàn viên hỗ trợ người dân ấp {hamlet} cài đặt VNeID"),
    ],
    1003: [
        ("Nạo vét kênh thủy lợi nội đồng phục vụ sản xuất vụ Hè Thu tại {unit}",
         "Nhằm chủ động nguồn nước tưới tiêu cho vụ lúa Hè Thu năm {year}, Ủy ban nhân dân {unit} đã huy động Nhân dân ra quân nạo vét các tuyến kênh thủy lợi nội đồng với tổng chiều dài hơn {km} km.",
         "Nạo vét kênh thủy lợi nội đồng tại ấp {hamlet}"),
        ("{Unit} ra quân làm công trình thuỷ lợi mùa khô năm {year}",
         "Ủy ban nhân dân {unit} tổ chức lễ ra quân làm công trình thuỷ lợi mùa khô năm {year}, nạo vét kênh mương, gia cố đê bao nhằm phòng, chống hạn hán và xâm nhập mặn.",
         "Ra quân làm công trình thuỷ lợi tại ấp {hamlet}"),
        ("{Unit} đạt chuẩn nông thôn mới nâng cao",
         "Sau nhiều năm nỗ lực, {unit} đã hoàn thành 19/19 tiêu chí và được Ủy ban nhân dân tỉnh công nhận đạt chuẩn nông thôn mới nâng cao năm {year}; đời sống vật chất, tinh thần của người dân được nâng lên rõ rệt.",
         "Tuyến đường nông thôn mới ấp {hamlet}"),
        ("Trạm Y tế {unit} triển khai tiêm chủng mở rộng đợt {n} năm {year}",
         "Trạm Y tế {unit} phối hợp với Trung tâm Y tế huyện Châu Thành triển khai tiêm chủng mở rộng đợt {n} năm {year} cho trẻ em trong độ tuổi, bảo đảm an toàn tiêm chủng.",
         "Nhân viên y tế khám sàng lọc trước tiêm cho trẻ"),
        ("Hội nghị giải quyết vướng mắc về đất đai tại {unit}",
         "Ủy ban nhân dân huyện Châu Thành chủ trì Hội nghị đối thoại, giải quyết các vướng mắc về đất đai, bồi thường, hỗ trợ tái định cư của người dân {unit} liên quan đến dự án nâng cấp tuyến đường huyện.",
         "Quang cảnh buổi đối thoại về đất đai tại {unit}"),
        ("Huyện Châu Thành chủ động phòng, chống hạn hán, xâm nhập mặn mùa khô {year} - {next_year}",
         "Trước dự báo mùa khô {year} - {next_year} xâm nhập mặn có khả năng sâu hơn trung bình nhiều năm, huyện Châu Thành đã xây dựng phương án phòng, chống hạn hán, xâm nhập mặn, bảo vệ sản xuất và nước sinh hoạt.",
         "Vận hành cống thủy lợi ngăn mặn tại {unit}"),
        ("Nông dân {unit} chuyển đổi cây trồng trên đất lúa kém hiệu quả",
         "Thực hiện chủ trương chuyển đổi cơ cấu cây trồng, nhiều hộ nông dân {unit} đã mạnh dạn chuyển đổi diện tích đất lúa kém hiệu quả sang trồng màu, cây ăn trái, mang lại thu nhập cao hơn từ 2 - 3 lần.",
         "Mô hình trồng màu trên đất lúa tại ấp {hamlet}"),
        ("Đẩy nhanh tiến độ giải ngân vốn đầu tư công năm {year}",
         "Ủy ban nhân dân huyện Châu Thành yêu cầu các chủ đầu tư tập trung tháo gỡ khó khăn, vướng mắc về đất đai, mặt bằng để đẩy nhanh tiến độ thi công và giải ngân vốn đầu tư công năm {year}.",
         "Thi công tuyến đường liên xã {unit}"),
        ("Bàn giao nhà Đại đoàn kết cho hộ nghèo ấp {hamlet}, {unit}",
         "Ủy ban MTTQ Việt Nam huyện Châu Thành phối hợp với Ủy ban nhân dân {unit} tổ chức bàn giao nhà Đại đoàn kết cho hộ nghèo ở ấp {hamlet}, giúp gia đình an cư, ổn định cuộc sống.",
         "Trao quyết định bàn giao nhà Đại đoàn kết ấp {hamlet}"),
        ("Nông dân xã Thuận Hòa phát triển mô hình nuôi tôm càng xanh xen lúa năm {year}",
         "Mô hình nuôi tôm càng xanh xen canh trong ruộng lúa tại xã Thuận Hòa đang mang lại hiệu quả kinh tế cao, góp phần nâng cao thu nhập cho nông dân và giảm sử dụng phân bón, thuốc bảo vệ thực vật.",
         "Thu hoạch tôm càng xanh trong ruộng lúa ở xã Thuận Hòa"),
    ],
    1004: [
        ("Giải bóng chuyền nam các xã, thị trấn huyện Châu Thành năm {year}",
         "Nhằm chào mừng các ngày lễ lớn trong năm {year}, Trung tâm Văn hóa - Thể thao huyện Châu Thành tổ chức Giải bóng chuyền nam các xã, thị trấn với sự tham gia của 8 đội bóng.",
         "Trận chung kết giải bóng chuyền nam năm {year}"),
        ("Lễ hội Ok Om Bok năm {year} tại {unit}",
         "Trong không khí vui tươi, phấn khởi, đồng bào Khmer {unit} long trọng tổ chức Lễ hội Ok Om Bok - Đua ghe Ngo năm {year} với nhiều hoạt động văn hóa, thể thao đặc sắc.",
         "Nghi thức cúng trăng trong Lễ hội Ok Om Bok tại {unit}"),
        ("Khai giảng năm học {year} - {next_year} tại các trường học {unit}",
         "Sáng ngày {day}, các trường học trên địa bàn {unit} đồng loạt tổ chức Lễ khai giảng năm học {year} - {next_year}; ngành giáo dục huyện tiếp tục đẩy mạnh chuyển đổi số trong dạy và học.",
         "Học sinh tham dự Lễ khai giảng năm học {year} - {next_year}"),
        ("Hội thi văn nghệ quần chúng mừng Đảng, mừng Xuân {year}",
         "Hội thi văn nghệ quần chúng mừng Đảng, mừng Xuân {year} do Trung tâm Văn hóa - Thể thao huyện Châu Thành tổ chức đã thu hút 8 đội đến từ các xã, thị trấn tham gia.",
         "Tiết mục múa dân tộc Khmer tại Hội thi"),
        ("Ngày hội văn hoá, thể thao các dân tộc huyện Châu Thành lần thứ {n}",
         "Ngày hội văn hoá, thể thao các dân tộc huyện Châu Thành lần thứ {n} diễn ra tại {unit} với các môn thi đấu kéo co, đẩy gậy, bóng đá mini và trình diễn trang phục truyền thống.",
         "Thi kéo co tại Ngày hội văn hoá, thể thao các dân tộc"),
        ("Đội văn nghệ {unit} đạt giải nhất Liên hoan đờn ca tài tử",
         "Tại Liên hoan đờn ca tài tử huyện Châu Thành năm {year}, đội văn nghệ {unit} xuất sắc giành giải nhất toàn đoàn với các tiết mục mang đậm bản sắc văn hóa Nam Bộ.",
         "Đội đờn ca tài tử {unit} biểu diễn tại Liên hoan"),
        ("Trao học bổng cho học sinh nghèo vượt khó học giỏi {unit}",
         "Hội Khuyến học huyện Châu Thành phối hợp với các nhà hảo tâm trao học bổng cho học sinh có hoàn cảnh khó khăn, vượt khó học giỏi trên địa bàn {unit} năm học {year} - {next_year}.",
         "Trao học bổng cho học sinh nghèo vượt khó {unit}"),
    ],
}

GENERAL_SENTENCES = [
    "Đây là hoạt động thiết thực nhằm thực hiện thắng lợi Nghị quyết Đại hội Đảng bộ huyện Châu Thành lần thứ XII, nhiệm kỳ 2020 - 2025.",
    "Thời gian tới, địa phương sẽ tiếp tục phát huy những kết quả đạt được, khắc phục hạn chế, phấn đấu hoàn thành các chỉ tiêu đề ra.",
    "Phát biểu chỉ đạo, đồng chí Phó Chủ tịch Ủy ban nhân dân huyện ghi nhận, biểu dương những kết quả mà {unit} đạt được trong thời gian qua.",
    "Các đại biểu đã tập trung thảo luận, làm rõ những nguyên nhân của hạn chế, đồng thời đề xuất nhiều giải pháp sát với thực tiễn địa phương.",
    "Qua đó, góp phần nâng cao nhận thức, trách nhiệm của cán bộ, đảng viên và Nhân dân trong thực hiện nhiệm vụ chính trị của địa phương.",
    "Dịp này, Ủy ban nhân dân huyện đã khen thưởng {n} tập thể và {m} cá nhân có thành tích xuất sắc.",
    "Toàn huyện hiện có 8 đơn vị hành chính cấp xã, gồm 7 xã và thị trấn Châu Thành, với dân số hơn 100 nghìn người.",
    "Công tác tuyên truyền được thực hiện bằng nhiều hình thức như loa truyền thanh ấp, trang thông tin điện tử, mạng xã hội Zalo, Facebook của xã.",
    "Lãnh đạo {unit} cho biết, địa phương sẽ tiếp tục rà soát, tổ chức thực hiện đúng kế hoạch, bảo đảm tiến độ và chất lượng.",
    "Người dân ấp {hamlet} phấn khởi, đồng tình ủng hộ và tích cực tham gia đóng góp ngày công lao động.",
    "Kinh phí thực hiện hơn {money} triệu đồng, từ nguồn ngân sách nhà nước và xã hội hóa.",
    "Đến nay, các tuyến đường trục chính của {unit} đều đã được nhựa hóa hoặc bê tông hóa, thuận lợi cho việc đi lại, vận chuyển hàng hóa của Nhân dân.",
]
TOPIC_SENTENCES = {
    1001: [
        "Hội nghị đã đánh giá kết quả đạt được trên các lĩnh vực kinh tế, văn hóa - xã hội, quốc phòng - an ninh và xây dựng hệ thống chính trị.",
        "Tổng sản lượng lúa cả năm ước đạt trên {ton} nghìn tấn; thu ngân sách trên địa bàn đạt {pct}% dự toán tỉnh giao.",
        "Công tác phòng, chống thiên tai được chủ động triển khai, kịp thời gia cố các đoạn đê bao xung yếu, bảo vệ an toàn tính mạng và tài sản của Nhân dân.",
        "Tình hình an ninh chính trị, trật tự an toàn xã hội trên địa bàn được giữ vững, không để xảy ra tình huống đột xuất, bất ngờ.",
        "Đoàn đã tham quan mô hình hòa giải ở cơ sở, công trình thủy lợi và điểm sáng chuyển đổi số tại ấp {hamlet}.",
    ],
    1002: [
        "Trong năm, {unit} đã tiếp nhận {files} hồ sơ thủ tục hành chính, trong đó giải quyết trước và đúng hạn đạt 100%, không có hồ sơ trễ hạn.",
        "Tỷ lệ hồ sơ được tiếp nhận, giải quyết trực tuyến toàn trình đạt {pct}%, tăng so với cùng kỳ năm trước.",
        "Bộ phận Một cửa được trang bị máy tính, máy quét, màn hình tra cứu và hệ thống đánh giá mức độ hài lòng của người dân.",
        "Các thủ tục hành chính đều được niêm yết công khai, đầy đủ tại Bộ phận Tiếp nhận và Trả kết quả và trên Trang thông tin điện tử của huyện.",
        "Việc chuyển đổi số trong giải quyết thủ tục hành chính giúp người dân tiết kiệm thời gian, chi phí đi lại, hạn chế phải đi lại nhiều lần.",
        "Công tác cải cách hành chính được gắn với thi đua, khen thưởng và đánh giá, xếp loại cán bộ, công chức cuối năm.",
    ],
    1003: [
        "Toàn huyện có hơn {ha} ha đất sản xuất nông nghiệp, chủ yếu là lúa, rau màu và cây ăn trái.",
        "Hệ thống thủy lợi nội đồng được đầu tư đồng bộ, chủ động tưới tiêu cho trên 95% diện tích canh tác.",
        "Ngành nông nghiệp khuyến cáo nông dân theo dõi chặt chẽ độ mặn, tích trữ nước ngọt và xuống giống tập trung, né mặn theo lịch thời vụ.",
        "Công tác quản lý đất đai, giải phóng mặt bằng được tập trung chỉ đạo, bảo đảm quyền lợi hợp pháp của người dân.",
        "Trung tâm Y tế huyện đã chủ động triển khai các biện pháp phòng, chống dịch bệnh, nhất là sốt xuất huyết và tay chân miệng.",
        "Thu nhập bình quân đầu người của {unit} đạt {income} triệu đồng/người/năm; tỷ lệ hộ nghèo giảm còn {poor}%.",
        "Công trình thuỷ lợi sau khi hoàn thành sẽ phục vụ tưới tiêu cho hơn {ha} ha đất lúa và hoa màu của bà con.",
    ],
    1004: [
        "Các vận động viên thi đấu với tinh thần đoàn kết, trung thực, cao thượng, mang lại những trận đấu hấp dẫn cho khán giả.",
        "Ban Tổ chức đã trao giải nhất, nhì, ba và giải khuyến khích cho các đội có thành tích cao.",
        "Hoạt động góp phần bảo tồn, phát huy bản sắc văn hóa truyền thống tốt đẹp của đồng bào dân tộc Khmer, Kinh, Hoa trên địa bàn huyện.",
        "Phong trào toàn dân đoàn kết xây dựng đời sống văn hóa được triển khai sâu rộng, toàn huyện có trên {pct}% hộ gia đình đạt chuẩn văn hóa.",
        "Năm học {year} - {next_year}, toàn huyện có {students} học sinh các cấp; tỷ lệ trường đạt chuẩn quốc gia tiếp tục tăng.",
        "Buổi giao lưu văn nghệ diễn ra sôi nổi với các tiết mục ca múa nhạc, đờn ca tài tử đặc sắc, ca ngợi quê hương, đất nước.",
    ],
}

# attachments: (file name template, link text template); the file sits in the article's month
ATTACHMENTS = [
    ("Ke-hoach-so-45-KH-UBND-chuyen-doi-so-{year}.pdf",
     "Kế hoạch số 45/KH-UBND ngày {date} về chuyển đổi số huyện Châu Thành năm {year}"),
    ("Quyết định phê duyệt danh mục công trình thủy lợi {year}.pdf",
     "Quyết định phê duyệt danh mục công trình thủy lợi và đường giao thông nông thôn năm {year}"),
]


@dataclass(frozen=True)
class Variants:
    """Ids of the special articles, so tests can compute expected values."""

    no_counter_id: int
    thousands_id: int | None  # view_count exactly 1234 (rendered "1.234")
    attachment_ids: tuple[int, ...]
    image_ids: tuple[int, ...]
    date_styles: dict  # style -> list of ids
    view_labels: dict  # label -> list of ids


class SiteContent:
    """The state of one replica site: its info (footer, counter…) and its articles.

    ``articles`` is ordered newest first (by date, then id).  Mutations bump ``version``.
    """

    def __init__(self, info: SiteInfo, articles: list[Article]):
        self._lock = threading.RLock()
        self.info = info
        self.version = 0
        self.down = False  # reserved: the server answers 503 while True
        self._set_articles(articles)

    # -- lookups -----------------------------------------------------------------------------

    def _set_articles(self, articles: list[Article]) -> None:
        self.articles = sorted(articles, key=lambda a: (a.published, a.article_id), reverse=True)
        self.by_id = {a.article_id: a for a in self.articles}
        self.categories = list(self.info.categories)
        self.cat_by_id = {c.catid: c for c in self.categories}
        self.by_category = {c.catid: [] for c in self.categories}
        for a in self.articles:
            self.by_category.setdefault(a.catid, []).append(a)

    def __len__(self) -> int:
        return len(self.articles)

    @property
    def total(self) -> int:
        return len(self.articles)

    def category_counts(self) -> dict[int, int]:
        return {catid: len(arts) for catid, arts in self.by_category.items()}

    def page_count(self, catid: int) -> int:
        return max(1, -(-len(self.by_category.get(catid, [])) // PAGE_SIZE))

    def list_page(self, catid: int, page_no: int) -> list[Article]:
        arts = self.by_category.get(catid, [])
        return arts[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]

    def hot(self) -> list[Article]:
        """TIN NỔI BẬT: the newest articles overall (so always on page 1 of their category)."""
        return self.articles[:HOT_COUNT]

    @property
    def seed(self) -> Article | None:
        return self.by_id.get(SEED_ID)

    @property
    def variants(self) -> Variants:
        styles: dict[str, list[int]] = {}
        labels: dict[str, list[int]] = {}
        for a in self.articles:
            styles.setdefault(a.date_style, []).append(a.article_id)
            if a.view_count is not None:
                labels.setdefault(a.view_label, []).append(a.article_id)
        no_counter = [a.article_id for a in self.articles if a.view_count is None]
        thousands = [a.article_id for a in self.articles if a.view_count == 1234]
        return Variants(
            no_counter_id=no_counter[0] if no_counter else 0,
            thousands_id=thousands[0] if thousands else None,
            attachment_ids=tuple(a.article_id for a in self.articles if a.attachments),
            image_ids=tuple(a.article_id for a in self.articles if a.image),
            date_styles=styles,
            view_labels=labels,
        )

    # -- mutations (for later: publish / edit / remove / site changes) -------------------------

    def _changed(self) -> None:
        self.version += 1

    def publish(self, article: Article) -> None:
        with self._lock:
            if article.article_id in self.by_id:
                raise ValueError(f"article {article.article_id} exists")
            self._set_articles([*self.articles, article])
            self._changed()

    def edit(self, article_id: int, **changes) -> Article:
        with self._lock:
            new = replace(self.by_id[article_id], **changes)
            self._set_articles([new if a.article_id == article_id else a for a in self.articles])
            self._changed()
            return new

    def remove(self, article_id: int) -> None:
        with self._lock:
            if article_id not in self.by_id:
                raise KeyError(article_id)
            self._set_articles([a for a in self.articles if a.article_id != article_id])
            self._changed()

    def update_site(self, **changes) -> None:
        """Change site-wide values (agency, address, phones_line, counter…)."""
        with self._lock:
            self.info = replace(self.info, **changes)
            self._set_articles(self.articles)
            self._changed()

    def set_down(self, down: bool) -> None:
        with self._lock:
            self.down = down
            self._changed()


# -- generation ----------------------------------------------------------------------------


def seed_article() -> Article:
    d = seed_article_data()
    return Article(
        article_id=d["article_id"],
        catid=d["catid"],
        title=d["title"],
        slug=slugify(d["title"]),
        lead=d["lead"],
        paragraphs=list(d["paragraphs"]),
        published=datetime.strptime(d["date"], "%Y-%m-%d %H:%M"),
        author=d["author"],
        view_count=d["view_count"],
        image=dict(d["image"]),
        date_style="datetime",
        view_label="Lượt xem",
    )


def _split_counts(total: int, weights: dict[int, int]) -> dict[int, int]:
    """Largest-remainder split of ``total`` by ``weights``."""
    wsum = sum(weights.values())
    exact = {k: total * w / wsum for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    rest = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:rest]:
        counts[k] += 1
    return counts


def _times(n: int, start: datetime, end: datetime) -> list[datetime]:
    """n non-decreasing working-hours datetimes spread evenly between two days."""
    start = datetime(start.year, start.month, start.day)
    days = (end - start).days + 1
    out = []
    for i in range(n):
        pos = (i + 0.5) / n * days
        day = int(pos)
        frac = pos - day
        minutes = 7 * 60 + int(frac * 10 * 60)  # 07:00 .. 17:00
        out.append(start + timedelta(days=day, minutes=minutes))
    return out


def _ids(n: int, low: int, high: int, rng: random.Random) -> list[int]:
    """n strictly increasing ids in [low, high) (extending below ``low`` if needed)."""
    step = max(1, (high - low) // max(n, 1))
    base = high - n * step
    return [base + i * step + (rng.randrange(step) if step > 1 else 0) for i in range(n)]


class _Filler:
    """Fills {placeholders} of templates with deterministic values."""

    def __init__(self, rng: random.Random, published: datetime):
        self.rng = rng
        kind, name = rng.choice(UNITS)
        self.values = {
            "unit": f"{kind} {name}",
            "Unit": f"{kind.capitalize()} {name}",
            "hamlet": rng.choice(HAMLETS),
            "year": published.year,
            "next_year": published.year + 1,
            "quarter": rng.choice(QUARTERS),
            "occasion": rng.choice(OCCASIONS),
            "model": rng.choice(MODELS),
            "day": f"{published:%d/%m/%Y}",
            "km": f"{rng.randint(1, 9)},{rng.randint(1, 9)}",
            "n": rng.randint(2, 12),
        }

    def fill(self, template: str) -> str:
        rng = self.rng
        values = dict(
            self.values,
            m=rng.randint(5, 40),
            money=f"{rng.randint(120, 2900)}",
            ton=f"{rng.randint(180, 260)}",
            pct=f"{rng.randint(80, 99)}",
            files=f"{rng.randint(1, 9)}.{rng.randint(100, 999)}",
            ha=f"{rng.randint(1, 19)}.{rng.randint(100, 999)}",
            income=f"{rng.randint(48, 72)}",
            poor=f"{rng.randint(1, 4)},{rng.randint(1, 9)}",
            students=f"{rng.randint(14, 19)}.{rng.randint(100, 999)}",
        )
        return template.format(**values)


def _paragraphs(rng: random.Random, filler: _Filler, catid: int) -> list[str]:
    pool = TOPIC_SENTENCES[catid] + GENERAL_SENTENCES
    paras = []
    for _ in range(rng.randint(3, 6)):
        sentences = rng.sample(pool, rng.randint(3, 5))
        paras.append(" ".join(filler.fill(s) for s in sentences))
    return paras


def generate_articles(total: int = DEFAULT_ARTICLES, seed: int = RANDOM_SEED) -> list[Article]:
    """The site's articles, seed included, oldest first; deterministic for a given ``total``."""
    if total < 1:
        raise ValueError("a site has at least the seed article")
    rng = random.Random(seed)
    seed_art = seed_article()
    others = total - 1
    n_new = others // 14
    n_old = others - n_new
    times = _times(n_old, FIRST_DAY, seed_art.published - timedelta(days=1)) + _times(
        n_new, seed_art.published + timedelta(days=1), LAST_DAY
    )
    ids = _ids(n_old, 380000, SEED_ID, rng) + [
        SEED_ID + 1 + i * 150 + rng.randrange(150) for i in range(n_new)
    ]
    # category of each article: exact counts, deterministic shuffle
    counts = _split_counts(others, CATEGORY_WEIGHTS)
    cats = [c for c, k in counts.items() for _ in range(k)]
    rng.shuffle(cats)

    used_titles = {seed_art.title}
    repeats: dict[str, int] = {}
    per_cat_seen = dict.fromkeys(TEMPLATES, 0)
    out: list[Article] = []
    for i in range(others):
        catid, published, art_id = cats[i], times[i], ids[i]
        templates = TEMPLATES[catid]
        k = per_cat_seen[catid]
        per_cat_seen[catid] += 1
        t_title, t_lead, t_caption = templates[k % len(templates)]
        filler = _Filler(rng, published)
        title = filler.fill(t_title)
        tries = 0
        while title in used_titles and tries < 3:
            filler = _Filler(rng, published)
            title = filler.fill(t_title)
            tries += 1
        if title in used_titles and "{unit}" not in t_title.lower():
            title = f"{title} tại {filler.values['unit']}"
        if title in used_titles:  # big sites: number the repeats
            base = title
            while title in used_titles:
                repeats[base] = repeats.get(base, 1) + 1
                title = f"{base} (đợt {repeats[base]})"
        used_titles.add(title)
        lead = filler.fill(t_lead)
        paras = _paragraphs(rng, filler, catid)

        style = ("ngay", "ngay", "datetime", "ngay", "long")[i % 5]
        label = "Lượt xem"
        if i % 9 == 4:
            label = "Lượt đọc"
        elif i % 13 == 6:
            label = "Số lần xem"
        views: int | None = rng.randint(35, 980)
        if i % 17 == 3:
            views = rng.randint(1000, 15000)
        if i == 20:
            views, label = 1234, "Lượt đọc"
        if i == NO_COUNTER_ID_INDEX:
            views = None
        image = None
        if i % 4 == 1:
            image = {
                "src": f"/Upload/{CHAUTHANH.sid}/{published:%Y/%m}/{slugify(title)[:40].lower()}.jpg",
                "caption": filler.fill(t_caption),
            }
        attachments = []
        if i in (15, 42):
            fname, name = ATTACHMENTS[0 if i == 15 else 1]
            values = {"year": published.year, "date": f"{published.day}/{published.month}/{published.year}"}
            attachments.append({
                "href": f"/Upload/{CHAUTHANH.sid}/{published:%Y/%m}/{quote(fname.format(**values))}",
                "name": name.format(**values),
            })
        author = AUTHORS[rng.randrange(len(AUTHORS))] if i % 10 != 7 else None
        out.append(
            Article(
                article_id=art_id,
                catid=catid,
                title=title,
                slug=slugify(title),
                lead=lead,
                paragraphs=paras,
                published=published,
                author=author,
                view_count=views,
                image=image,
                attachments=attachments,
                date_style=style,
                view_label=label,
            )
        )
    out.insert(n_old, seed_art)
    return out


def build_site_content(info: SiteInfo = CHAUTHANH, articles: int | None = None) -> SiteContent:
    """A fresh ``SiteContent`` with ``articles`` articles in total (default DEFAULT_ARTICLES)."""
    return SiteContent(info, generate_articles(DEFAULT_ARTICLES if articles is None else articles))


def default_article_count() -> int:
    return DEFAULT_ARTICLES
