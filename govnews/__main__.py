from govnews.cli import main

main()
