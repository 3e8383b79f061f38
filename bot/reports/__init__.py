"""The coordinators' reports. A period from what a coordinator typed: ``periods.parse_period``
(zone: ``periods.report_zone``); its figures: ``figures.report_for_period`` (own session) or
``figures.build_report``; its charts as PNG: ``charts.render_charts``; its workbook as XLSX:
``workbook.workbook_bytes``; the command line: ``commands``."""
